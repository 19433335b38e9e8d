package io.presplit.storage;

import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * The first write to each page of a fresh segment (a sparse, memory-mapped file), as a writer meets it after a
 * roll: {@code populated=false} writes 8 bytes to each 4 KiB page of a fresh 64 MiB mapping; {@code populated=true}
 * first touches every page as the spare thread does ({@code Segment.populateAhead}: an atomic add of zero), then
 * times the same writes. One operation = one 64 MiB file (16,384 pages); each page write's latency goes into an
 * HdrHistogram, printed per iteration as {@code page-fault …} (mean, p99.9, max). The spare thread's own cost is
 * not timed. Run alone and beside a disk-forcing load to see the journal waits.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(1)
public class MappedPageFaultBenchmark {
    private static final long FILE_BYTES = 64L << 20;
    private static final long PAGE_BYTES = 4096;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** A fresh mapped file per iteration. */
    @State(Scope.Thread)
    public static class File {
        @Param({"false", "true"})
        boolean populated;

        Path directory;
        FileChannel channel;
        Arena arena;
        MemorySegment memory;
        final Histogram pageWriteNs = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        int iteration;

        @Setup(Level.Iteration)
        public void setUp() throws IOException {
            directory = BenchStores.newDirectory("presplit-pagefault-");
            channel = FileChannel.open(directory.resolve("segment"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
            arena = Arena.ofShared();
            memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, FILE_BYTES, arena);
            if (populated) {
                for (long page = 0; page < FILE_BYTES; page += PAGE_BYTES) {
                    final long unused = (long) LONG.getAndAdd(memory, page, 0L);
                }
            }
            pageWriteNs.reset();
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            System.out.printf("%npage-fault iteration %d populated=%s pages=%d mean=%.0fns p99.9=%dns max=%dns%n",
                iteration++, populated, pageWriteNs.getTotalCount(), pageWriteNs.getMean(),
                pageWriteNs.getValueAtPercentile(99.9), pageWriteNs.getMaxValue());
            arena.close();
            try {
                channel.close();
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
            BenchStores.delete(directory);
        }
    }

    /** Writes 8 bytes into each page once, timing each write. */
    @Benchmark
    public long firstWritePerPage(final File file) {
        final MemorySegment memory = file.memory;
        final Histogram histogram = file.pageWriteNs;
        long checksum = 0;
        for (long page = 0; page < FILE_BYTES; page += PAGE_BYTES) {
            final long startNs = System.nanoTime();
            memory.set(ValueLayout.JAVA_LONG, page + Long.BYTES, page);
            final long tookNs = System.nanoTime() - startNs;
            histogram.recordValue(tookNs);
            checksum += tookNs;
        }
        return checksum;
    }
}
