package io.presplit.storage;

import io.presplit.profile.LoadRecorder;
import io.presplit.storage.internal.ThreadPlacement;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Write stall during splits and merges: one thread writes while another splits the live partition and merges
 * the children back, continuously. Every write's latency (one {@code nanoTime} pair around
 * {@link PartitionWriter#write}) goes into an HdrHistogram {@link SingleWriterRecorder}; each iteration's
 * interval histogram is printed (p50, p99, p99.9, max) and added to the trial's, printed at the end as
 * {@code write-stall total}. JMH's own scores are the throughput of each side.
 * <p>
 * A fresh store per iteration bounds the files and mappings that sealed partitions keep.
 * <p>
 * With {@code -Dpresplit.bench.attributeStalls=true} each write longer than 1 ms is attributed
 * ({@link StallAttribution}): how much of it the writer spent runnable but waiting for a CPU (scheduling on a
 * shared machine), and whether a roll or a commit happened during it.
 * <p>
 * Writer-core pinning ({@link StoreOptions#writerCpus()}): with {@code -Dpresplit.bench.writerCpus=1} the store
 * moves the writing thread onto CPU 1 when it opens its writer, and its background threads onto the other CPUs.
 * Launch the JVM with {@code taskset -c 0} so that everything else (the splitting thread, JIT, GC, JMH) stays off
 * CPU 1 too: the deployment docs/OPERATIONS.md describes ("Writer-core pinning").
 * <p>
 * The platform's baseline, in the same run: with {@code writerWork=nothing} the writing thread times an empty
 * span instead of a write (two {@code nanoTime} reads, nothing between) while the splitter splits and merges as
 * before. Whatever that histogram's maximum holds is how long the machine itself stops a running thread (the
 * hypervisor descheduling the vCPU, an interrupt): a floor no store can go under on this machine.
 * <p>
 * But a stop shows in a timed span only if it lands inside one, and the empty span takes about a quarter of the
 * loop's time where a write takes about half: the spans' maxima understate the floor, the empty span's more. So
 * each iteration also prints {@code gapMax}, the largest time from one call's start to the next, which covers all
 * of the writing thread's time in either mode: the empty span's {@code gapMax} is the floor as a write would see
 * it, to read a write's {@code max} against. {@code writerPreemptions} counts the times the guest's scheduler took
 * the pinned writer's CPU during the iteration (its involuntary context switches, from {@code /proc}): a gap with
 * such a switch is the guest's doing (a kernel worker on the writer's CPU), one without is the host's or a fault.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
public class WriteStallBenchmark {
    private static final int SERIES = 1024;
    private static final long HIGHEST_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long ONE_MS_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Writer CPUs from {@code -Dpresplit.bench.writerCpus} (a CPU list such as {@code 1}); none by default. */
    private static final int[] WRITER_CPUS = ThreadPlacement.parseCpuList(
        System.getProperty("presplit.bench.writerCpus", "")).stream().toArray();

    /** Shared by the writer and the splitter. */
    @State(Scope.Group)
    public static class Shared {
        @Param({"ASYNC", "GROUP"})
        Durability durability;

        /**
         * Pause of the splitting thread after each split and merge, in ms: 0 splits flat out (the stress case, a
         * split and a merge every few ms, CPU 0 never idle); a pause paces them as a deployment would see them
         * (rarer still), so that what a split costs the writer is not buried under the other CPU never resting.
         */
        @Param({"0"})
        int splitPauseMs;

        /** {@code write}: time each write; {@code nothing}: time an empty span (the platform's baseline). */
        @Param({"write", "nothing"})
        String writerWork;

        final SingleWriterRecorder latencies = new SingleWriterRecorder(HIGHEST_NS, 3);
        final Histogram total = new Histogram(HIGHEST_NS, 3);
        Histogram interval;
        String[] keys;
        Path directory;
        LoadRecorder recorder;
        PartitionStore store;
        SplitMergeBenchmark.Store splitter;
        PartitionWriter writer;
        int series;
        long timestampNs;
        int iteration;
        /**
         * Start of the previous measured call, 0 before the first of an iteration (writer thread only). The gap
         * from one call's start to the next covers all of the thread's time, whatever the span timed inside: a
         * stop of the thread lands in some gap, but in a timed span only with the share of time the spans take
         * (about half for writes, a quarter for the empty span), so only gaps compare the two modes fairly.
         */
        long previousStartNs;
        /** Largest gap between consecutive calls' starts this iteration, and how many exceeded 1 ms. */
        long maxGapNs;
        long gapsOverOneMs;
        long totalMaxGapNs;
        /**
         * The writing thread's {@code /proc} status file (Linux; null elsewhere), set on the writer thread, and its
         * involuntary context switches when the measured writes start: the guest scheduler preempting the pinned
         * writer (a per-CPU kernel worker, say), which a gap cannot tell from the host stopping the vCPU.
         */
        Path writerStatus;
        long writerPreemptionsAtStart;
        /** JVM uptime when the measured writes start: to find their GC and safepoint pauses in an {@code -Xlog}. */
        long iterationStartMs;
        final boolean isAttributing = StallAttribution.isEnabled();
        boolean isWriting;
        StallAttribution stalls;
        final StallAttribution totalStalls = new StallAttribution();

        @Setup(Level.Iteration)
        public void setUp() {
            isWriting = "write".equals(writerWork);
            keys = BenchStores.seriesKeys(SERIES);
            directory = BenchStores.newDirectory("presplit-stall-");
            recorder = new LoadRecorder(2, 1 << 16);
            store = PartitionStore.open(directory, recorder,
                StoreOptions.of(durability).withSegmentLengthBytes(SplitMergeBenchmark.SEGMENT_BYTES)
                    .withWriterCpus(WRITER_CPUS));
            splitter = new SplitMergeBenchmark.Store();
            splitter.store = store;
            splitter.liveId = 0;
            splitter.nextId = 1;
            splitter.nextTxId = 1;
            stalls = new StallAttribution();
            latencies.reset();
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            interval = latencies.getIntervalHistogram(interval);
            total.add(interval);
            final long endMs = ManagementFactory.getRuntimeMXBean().getUptime();
            System.out.printf("%nwrite-stall iteration %d durability=%s work=%s writes=%d p50=%dns p99=%dns "
                    + "p99.9=%dns max=%dns gapMax=%dns gapsOver1ms=%d writerPreemptions=%d rollsWithSpare=%d "
                + "rollsWithoutSpare=%d uptimeMs=%d-%d%n", iteration++,
                durability, writerWork, interval.getTotalCount(), interval.getValueAtPercentile(50),
                interval.getValueAtPercentile(99), interval.getValueAtPercentile(99.9), interval.getMaxValue(),
                maxGapNs, gapsOverOneMs, preemptions(writerStatus) - writerPreemptionsAtStart, store.rollsWithSpare(),
                store.rollsWithoutSpare(), iterationStartMs, endMs);
            totalMaxGapNs = Math.max(totalMaxGapNs, maxGapNs);
            if (isAttributing) {
                System.out.printf("write-stall iteration %d %s%n", iteration - 1, stalls.summary());
                totalStalls.add(stalls);
            }
            store.close();
            recorder.close();
            BenchStores.delete(directory);
        }

        @TearDown(Level.Trial)
        public void report() {
            System.out.printf("%nwrite-stall total durability=%s work=%s writes=%d p50=%dns p99=%dns p99.9=%dns"
                    + " max=%dns gapMax=%dns (warm-up iterations included)%n", durability, writerWork,
                total.getTotalCount(), total.getValueAtPercentile(50), total.getValueAtPercentile(99),
                total.getValueAtPercentile(99.9), total.getMaxValue(), totalMaxGapNs);
            if (isAttributing) {
                System.out.printf("write-stall total %s%n", totalStalls.summary());
            }
        }
    }

    /**
     * The writing thread's writer, opened on that thread (writer-core pinning moves the opening thread), then
     * written once per series before the measurement: the first writes into a fresh store and a fresh load
     * recorder fault in their memory (the recorder's counters are huge pages: four first-touch faults took about
     * 10 ms of one write, 2026-11-24), a cost of the per-iteration setup that a long-lived store pays once.
     */
    @State(Scope.Thread)
    public static class WriterThread {
        @Setup(Level.Iteration)
        public void openWriter(final Shared shared) {
            final PartitionWriter writer = shared.store.openWriter();
            for (int series = 0; series < SERIES; series++) {
                writer.writeUnforced(shared.keys[series], ++shared.timestampNs, series);
            }
            // One group-commit wait for all of them (GROUP), not one per write.
            writer.awaitForced();
            shared.writer = writer;
            shared.latencies.reset();
            shared.previousStartNs = 0;
            shared.maxGapNs = 0;
            shared.gapsOverOneMs = 0;
            shared.writerStatus = threadStatusFile();
            shared.writerPreemptionsAtStart = preemptions(shared.writerStatus);
            shared.iterationStartMs = ManagementFactory.getRuntimeMXBean().getUptime();
        }
    }

    /** The calling thread's {@code /proc} status file, or null where there is none. Cold (iteration setup). */
    static Path threadStatusFile() {
        final Path self = Path.of("/proc/thread-self");
        try {
            return Files.exists(self) ? self.toRealPath().resolve("status") : null;
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot resolve " + self, e);
        }
    }

    /** {@code nonvoluntary_ctxt_switches} of a thread's status file, or -1 without one. Cold (iteration bounds). */
    static long preemptions(final Path status) {
        if (status == null) {
            return -1;
        }
        try {
            for (final String line : Files.readAllLines(status)) {
                if (line.startsWith("nonvoluntary_ctxt_switches:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return -1;
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot read " + status, e);
        }
    }

    @Benchmark
    @Group("stall")
    @GroupThreads(1)
    public void write(final Shared shared, final WriterThread writerThread) {
        final int series = (shared.series + 1) & (SERIES - 1);
        shared.series = series;
        if (!shared.isWriting) {
            final long startNs = System.nanoTime();
            shared.latencies.recordValue(System.nanoTime() - startNs);
            recordGap(shared, startNs);
            return;
        }
        if (shared.isAttributing) {
            writeAttributed(shared, series);
            return;
        }
        final long startNs = System.nanoTime();
        shared.writer.write(shared.keys[series], ++shared.timestampNs, series);
        shared.latencies.recordValue(System.nanoTime() - startNs);
        recordGap(shared, startNs);
    }

    private static void recordGap(final Shared shared, final long startNs) {
        if (shared.previousStartNs != 0) {
            final long gapNs = startNs - shared.previousStartNs;
            if (gapNs > shared.maxGapNs) {
                shared.maxGapNs = gapNs;
            }
            if (gapNs > ONE_MS_NS) {
                shared.gapsOverOneMs++;
            }
        }
        shared.previousStartNs = startNs;
    }

    private static void writeAttributed(final Shared shared, final int series) {
        final PartitionStore store = shared.store;
        final long rolls = store.rollsWithSpare() + store.rollsWithoutSpare();
        final long epoch = store.routingTable().epoch();
        shared.stalls.before();
        final long startNs = System.nanoTime();
        shared.writer.write(shared.keys[series], ++shared.timestampNs, series);
        final long tookNs = System.nanoTime() - startNs;
        shared.latencies.recordValue(tookNs);
        recordGap(shared, startNs);
        shared.stalls.after(tookNs, store.rollsWithSpare() + store.rollsWithoutSpare() != rolls,
            store.routingTable().epoch() != epoch);
    }

    @Benchmark
    @Group("stall")
    @GroupThreads(1)
    public long splitThenMerge(final Shared shared) {
        final long done = shared.splitter.splitThenMerge();
        if (shared.splitPauseMs > 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(shared.splitPauseMs));
        }
        return done;
    }
}
