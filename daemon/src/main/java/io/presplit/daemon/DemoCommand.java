package io.presplit.daemon;

import io.presplit.daemon.replay.Policy;
import io.presplit.daemon.replay.PolicyComparison;
import io.presplit.daemon.replay.ReplayReport;
import io.presplit.daemon.replay.ReplayResult;
import io.presplit.daemon.replay.ReplaySettings;
import io.presplit.daemon.replay.TraceReader;
import io.presplit.daemon.replay.WideTrace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code presplit demo}: the bundled real trace through the whole pipeline, under every policy. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Replay a real load trace (250 VMs of the Bitbrains data centre, 28 days, hourly) through the "
        + "store, profiler, forecasters, adjustment engine and coordinator, and print what each policy did.")
final class DemoCommand implements Callable<Integer> {
    static final String TRACE_RESOURCE = "traces/bitbrains_rnd_cpu_mhz_1h_28d.csv";

    @Option(names = "--chart", description = "Also draw the replays (load, forecast, capacity, decisions) into "
        + "this SVG file.")
    Path chart;

    @Override
    public Integer call() throws Exception {
        OutputFile.requireWritable("--chart", chart);
        final WideTrace trace;
        try (InputStream in = DemoCommand.class.getResourceAsStream(TRACE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled trace missing from the jar [resource=" + TRACE_RESOURCE + "]");
            }
            trace = TraceReader.read(in, TRACE_RESOURCE, "trace", 0);
        }
        final ReplaySettings settings = ReplaySettings.derive(trace, 0, 0);
        final PrintStream out = System.out;
        out.printf(Locale.ROOT, "trace: Bitbrains rnd, CPU MHz of %d VMs, %d hourly ticks; each VM is a series key "
            + "writing %.4f points per MHz per hour%n", trace.keys().size(), trace.tickCount(),
            settings.pointsPerUnit());
        final List<ReplayResult> results = PolicyComparison.run(trace, List.of(Policy.values()), List.of(settings),
            null, chart, out);
        ReplayReport.table(results, settings, out);
        return 0;
    }
}
