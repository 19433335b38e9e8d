package io.presplit.ring;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The profiler's load sample hand-off, one producer and one consumer thread: {@link OneToOneLoadSampleRing}
 * (Agrona ring over native memory, a flyweight message, nothing allocated) against
 * {@link ArrayBlockingQueue} of sample objects (the JDK's bounded queue, one object per sample, as a plain Java
 * hand-off would do), same capacity in samples. Non-blocking calls on both sides ({@code offer}/{@code poll});
 * the {@code sent}/{@code received} counters count successful operations, the primary score counts attempts.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(3)
@State(Scope.Group)
public class LoadSampleRingBenchmark {
    /** Samples each hand-off holds: 1 MiB of ring at 48 bytes a message (record header included). */
    private static final int RING_BYTES = 1 << 20;
    private static final int CAPACITY_SAMPLES = RING_BYTES / 48;

    OneToOneLoadSampleRing ring;
    ArrayBlockingQueue<Sample> queue;

    /** The sample object of the baseline. */
    record Sample(long tick, int slot, double points, double bytes, double queryCost) {
    }

    /** Producer-side counters. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Producer {
        public long sent;
        long tick;
        int slot;

        @Setup(Level.Iteration)
        public void reset() {
            sent = 0;
        }
    }

    /** Consumer-side counters. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Consumer {
        public long received;
        double sink;
        final LoadSampleHandler handler = (tick, slot, points, bytes, cost) -> {
            sink += points;
            received++;
        };

        @Setup(Level.Iteration)
        public void reset() {
            received = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        ring = new OneToOneLoadSampleRing(RING_BYTES);
        queue = new ArrayBlockingQueue<>(CAPACITY_SAMPLES);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ring.close();
    }

    /** Ring producer. */
    @Benchmark
    @Group("ring")
    @GroupThreads(1)
    public boolean ringOffer(final Producer producer) {
        final int slot = producer.slot = (producer.slot + 1) & 1023;
        if (ring.offer(producer.tick, slot, slot, 64.0 * slot, 0)) {
            producer.sent++;
            return true;
        }
        return false;
    }

    /** Ring consumer. */
    @Benchmark
    @Group("ring")
    @GroupThreads(1)
    public int ringDrain(final Consumer consumer) {
        return ring.drain(consumer.handler, 1);
    }

    /** Baseline producer. */
    @Benchmark
    @Group("arrayBlockingQueue")
    @GroupThreads(1)
    public boolean queueOffer(final Producer producer) {
        final int slot = producer.slot = (producer.slot + 1) & 1023;
        if (queue.offer(new Sample(producer.tick, slot, slot, 64.0 * slot, 0))) {
            producer.sent++;
            return true;
        }
        return false;
    }

    /** Baseline consumer. */
    @Benchmark
    @Group("arrayBlockingQueue")
    @GroupThreads(1)
    public double queuePoll(final Consumer consumer) {
        final Sample sample = queue.poll();
        if (sample == null) {
            return 0;
        }
        consumer.received++;
        return consumer.sink += sample.points();
    }
}
