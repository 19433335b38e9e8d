package io.presplit.daemon;

import io.presplit.daemon.replay.Policy;
import io.presplit.daemon.replay.ReplayReport;
import io.presplit.daemon.replay.ReplayResult;
import io.presplit.daemon.replay.WideTrace;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code presplit replay}: a recorded trace through the real engine under several policies. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Replay a keyed load trace (wide CSV: timestamp_utc,key1,key2,...) through the real engine "
        + "under several policies and print what each did.")
final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--trace", required = true, description = "The trace file.")
    Path trace;

    @Option(names = "--policies", split = ",", description = "Policies to compare (default: all): "
        + "static, reactive, predictive-snaive, predictive-lstm.")
    List<String> policies;

    @Option(names = "--data-dir", description = "Where the stores go (default: a temporary folder, deleted).")
    Path dataDir;

    @Option(names = "--points-per-unit", defaultValue = "0.01",
        description = "Points written per unit of trace load per tick (default: ${DEFAULT-VALUE}).")
    double pointsPerUnit;

    @Option(names = "--capacity", defaultValue = "2000",
        description = "Capacity of one partition, in points per tick (default: ${DEFAULT-VALUE}).")
    double capacity;

    @Option(names = "--horizon", defaultValue = "6",
        description = "Forecast horizon of the predictive policies, in ticks (default: ${DEFAULT-VALUE}).")
    int horizon;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(trace)) {
            throw new IllegalArgumentException("trace file not found [trace=" + trace + "]");
        }
        final WideTrace wide;
        try (InputStream in = Files.newInputStream(trace)) {
            wide = WideTrace.read(in, trace.toString());
        }
        final List<ReplayResult> results = DemoCommand.runPolicies(wide, parsePolicies(policies), pointsPerUnit,
            capacity, horizon, dataDir, System.out);
        ReplayReport.print(results, capacity, System.out);
        return 0;
    }

    static List<Policy> parsePolicies(final List<String> names) {
        if (names == null || names.isEmpty()) {
            return List.of(Policy.values());
        }
        return names.stream().map(name -> {
            for (final Policy policy : Policy.values()) {
                if (policy.label().equals(name)) {
                    return policy;
                }
            }
            throw new IllegalArgumentException("unknown policy [policy=" + name
                + ", known=static,reactive,predictive-snaive,predictive-lstm]");
        }).toList();
    }
}
