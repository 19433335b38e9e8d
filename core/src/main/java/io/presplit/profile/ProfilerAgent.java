package io.presplit.profile;

import static io.presplit.profile.LoadRecorderDescriptor.BUCKET_POINTS_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.BYTES_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.POINTS_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.QUERY_COST_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.SLOT_SHIFT;

import io.presplit.keyspace.KeySpace;
import io.presplit.memory.CounterStripes;
import io.presplit.ring.OneToOneLoadSampleRing;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.function.IntSupplier;

/**
 * Closes each profiler tick: folds the recorder's stripes into one row per partition slot of the load history.
 * <p>
 * The recorder's counters only grow; the agent keeps the totals it saw at the previous tick and writes the
 * differences, so every recorded point lands in exactly one tick, whatever the writers do meanwhile. Only the
 * stripes claimed so far are read. Bucket counters are 32-bit and wrap; their differences are exact while a slot
 * takes fewer than 2<sup>31</sup> points in a tick, and ticks that break this are counted
 * ({@link #bucketOverflowCount()}), never silent.
 * <p>
 * Duty cycle: reads the clock once; when the tick deadline has passed, folds slots {@code [0, slotBound)} and
 * completes the tick in the history; then, when a {@link OneToOneLoadSampleRing} is configured, publishes up to
 * {@link Context#publishLimit(int)} samples (one per slot and completed tick, read back from the history, in tick
 * then slot order). A full ring is handled by the {@link SampleBackPressure} policy and always counted.
 * Allocation-free after construction. Role name {@code presplit-profiler}.
 */
public final class ProfilerAgent implements Agent {
    private static final long BUCKET_EXACT_LIMIT = 1L << 31;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final int TOTALS_PER_SLOT = 3;

    private final LoadRecorder recorder;
    private final LoadHistory history;
    private final NanoClock clock;
    private final IntSupplier slotBound;
    private final long tickNs;
    /** Totals seen at the previous tick, per slot: points, bytes, query cost. Agent thread. */
    private final long[] lastTotals;
    /** Bucket totals (mod 2^32) seen at the previous tick, per slot and bucket. Agent thread. */
    private final int[] lastBucketTotals;
    private final int[] bucketDeltas = new int[KeySpace.BUCKET_COUNT];
    private final OneToOneLoadSampleRing samples;
    private final SampleBackPressure backPressure;
    private final int publishLimit;
    private long deadlineNs;
    private long publishTick;
    private int publishSlot;
    private volatile long bucketOverflowCount;
    private volatile long publishedSampleCount;
    private volatile long droppedSampleCount;
    private volatile long backPressuredCount;

    /** Configuration of a {@link ProfilerAgent}; {@link #conclude()} validates it. */
    public static final class Context {
        private LoadRecorder recorder;
        private LoadHistory history;
        private NanoClock clock;
        private long tickNs;
        private IntSupplier slotBound;
        private OneToOneLoadSampleRing samples;
        private SampleBackPressure backPressure = SampleBackPressure.DROP;
        private int publishLimit = 4096;

        /** The ingest-path recorder. Required. */
        public Context recorder(final LoadRecorder recorder) {
            this.recorder = recorder;
            return this;
        }

        /** Where tick rows go. Required. */
        public Context history(final LoadHistory history) {
            this.history = history;
            return this;
        }

        /** The profiler clock. Required. */
        public Context clock(final NanoClock clock) {
            this.clock = clock;
            return this;
        }

        /** The tick length. Required, positive. */
        public Context tickNs(final long tickNs) {
            this.tickNs = tickNs;
            return this;
        }

        /** One past the largest slot in use, read each tick. Required. */
        public Context slotBound(final IntSupplier slotBound) {
            this.slotBound = slotBound;
            return this;
        }

        /** Where load samples go; {@code null} (the default) publishes none. */
        public Context samples(final OneToOneLoadSampleRing samples) {
            this.samples = samples;
            return this;
        }

        /** What to do when the sample ring is full. Default {@link SampleBackPressure#DROP}. */
        public Context backPressure(final SampleBackPressure backPressure) {
            this.backPressure = backPressure;
            return this;
        }

        /** Most samples offered per duty cycle, at least 1. Default 4096. */
        public Context publishLimit(final int publishLimit) {
            this.publishLimit = publishLimit;
            return this;
        }

        /**
         * Checks the configuration.
         *
         * @throws IllegalArgumentException naming the first missing or invalid setting.
         */
        public Context conclude() {
            if (recorder == null || history == null || clock == null || slotBound == null || backPressure == null) {
                throw new IllegalArgumentException("profiler context incomplete [recorder=" + recorder + ", history="
                    + history + ", clock=" + clock + ", slotBound=" + slotBound + ", backPressure=" + backPressure
                    + "]");
            }
            if (tickNs <= 0 || publishLimit < 1) {
                throw new IllegalArgumentException("tick length and publish limit must be positive [tickNs=" + tickNs
                    + ", publishLimit=" + publishLimit + "]");
            }
            if (recorder.slotCapacity() != history.slotCapacity()) {
                throw new IllegalArgumentException("recorder and history disagree on slots [recorder="
                    + recorder.slotCapacity() + ", history=" + history.slotCapacity() + "]");
            }
            return this;
        }
    }

    /**
     * A profiler that publishes no samples.
     *
     * @param recorder  the ingest-path recorder.
     * @param history   where tick rows go.
     * @param clock     the profiler clock.
     * @param tickNs    the tick length.
     * @param slotBound one past the largest slot in use (read each tick).
     */
    public ProfilerAgent(
        final LoadRecorder recorder, final LoadHistory history, final NanoClock clock, final long tickNs,
        final IntSupplier slotBound) {
        this(new Context().recorder(recorder).history(history).clock(clock).tickNs(tickNs).slotBound(slotBound));
    }

    /** @param context the configuration; concluded here. */
    public ProfilerAgent(final Context context) {
        context.conclude();
        this.recorder = context.recorder;
        this.history = context.history;
        this.clock = context.clock;
        this.tickNs = context.tickNs;
        this.slotBound = context.slotBound;
        this.samples = context.samples;
        this.backPressure = context.backPressure;
        this.publishLimit = context.publishLimit;
        this.lastTotals = new long[recorder.slotCapacity() * TOTALS_PER_SLOT];
        this.lastBucketTotals = new int[recorder.slotCapacity() * KeySpace.BUCKET_COUNT];
        this.deadlineNs = clock.nanoTime() + tickNs;
        // A reopened history's ticks were published by the previous process (or are lost with it).
        this.publishTick = history.tickCount();
    }

    @Override
    public void onStart() {
        deadlineNs = clock.nanoTime() + tickNs;
    }

    @Override
    public int doWork() {
        final long nowNs = clock.nanoTime();
        int work = 0;
        if (nowNs - deadlineNs >= 0) {
            deadlineNs += tickNs;
            fold(slotBound.getAsInt());
            work = 1;
        }
        if (samples != null) {
            work += publish();
        }
        return work;
    }

    @Override
    public String roleName() {
        return "presplit-profiler";
    }

    /** Samples accepted by the ring since start. Any thread may read; the agent writes. */
    public long publishedSampleCount() {
        return publishedSampleCount;
    }

    /**
     * Samples never published: refused by a full ring under {@link SampleBackPressure#DROP}, or older than the
     * history's retention when publishing fell that far behind. Any thread may read; the agent writes.
     */
    public long droppedSampleCount() {
        return droppedSampleCount;
    }

    /** Duty cycles whose publishing stopped at a full ring under {@link SampleBackPressure#RETRY}. */
    public long backPressuredCount() {
        return backPressuredCount;
    }

    /**
     * Ticks in which a slot took 2<sup>31</sup> points or more, so its 32-bit bucket differences may have lost
     * whole multiples of 2<sup>32</sup> (points and bytes stay exact). Any thread may read; the agent writes.
     */
    public long bucketOverflowCount() {
        return bucketOverflowCount;
    }

    /**
     * Folds slots {@code [0, slotCount)} into one history row each and publishes the tick. Agent thread.
     * Allocation-free; reads each claimed stripe's records in address order.
     */
    public void fold(final int slotCount) {
        final CounterStripes counters = recorder.counters();
        final MemorySegment memory = counters.segment();
        final long stripeLength = counters.stripeLengthBytes();
        final int stripes = recorder.claimedStripes();
        final long[] lastTotals = this.lastTotals;
        final int[] lastBucketTotals = this.lastBucketTotals;
        final int[] bucketDeltas = this.bucketDeltas;
        final LoadHistory history = this.history;
        final int lanes = INTS.length();
        long overflows = 0;
        for (int slot = 0; slot < slotCount; slot++) {
            final int slotBase = slot << SLOT_SHIFT;
            long points = 0;
            long bytes = 0;
            long queryCost = 0;
            for (int stripe = 0; stripe < stripes; stripe++) {
                points += counters.getLongOpaque(stripe, slotBase + POINTS_OFFSET);
                bytes += counters.getLongOpaque(stripe, slotBase + BYTES_OFFSET);
                queryCost += counters.getLongOpaque(stripe, slotBase + QUERY_COST_OFFSET);
            }
            final int base = slot * TOTALS_PER_SLOT;
            final long pointsDelta = points - lastTotals[base];
            final long bytesDelta = bytes - lastTotals[base + 1];
            final long queryDelta = queryCost - lastTotals[base + 2];
            lastTotals[base] = points;
            lastTotals[base + 1] = bytes;
            lastTotals[base + 2] = queryCost;
            if (pointsDelta >= BUCKET_EXACT_LIMIT) {
                overflows++;
            }
            // Bucket counters: one vector per stripe and lane group; the differences wrap modulo 2^32, and are
            // below 2^31 (so read as signed ints) whenever the overflow count above stays quiet.
            final int bucketBase = slot * KeySpace.BUCKET_COUNT;
            for (int b = 0; b < KeySpace.BUCKET_COUNT; b += lanes) {
                final long fieldOffset = slotBase + BUCKET_POINTS_OFFSET + (long) b * Integer.BYTES;
                IntVector sum = IntVector.zero(INTS);
                for (int stripe = 0; stripe < stripes; stripe++) {
                    sum = sum.add(IntVector.fromMemorySegment(INTS, memory, stripe * stripeLength + fieldOffset,
                        NATIVE));
                }
                sum.sub(IntVector.fromArray(INTS, lastBucketTotals, bucketBase + b)).intoArray(bucketDeltas, b);
                sum.intoArray(lastBucketTotals, bucketBase + b);
            }
            history.writeRowDeltas(slot, pointsDelta, bytesDelta, queryDelta, bucketDeltas);
        }
        if (overflows != 0) {
            bucketOverflowCount += overflows;
        }
        history.completeTick();
    }

    /**
     * Offers up to {@code publishLimit} samples of completed ticks, oldest tick first. Agent thread;
     * allocation-free.
     *
     * @return the number of samples the ring accepted.
     */
    private int publish() {
        final LoadHistory history = this.history;
        final OneToOneLoadSampleRing samples = this.samples;
        final long completed = history.tickCount();
        final int retained = history.ticksRetained();
        final int bound = slotBound.getAsInt();
        long tick = publishTick;
        int slot = publishSlot;
        int sent = 0;
        int attempts = 0;
        long dropped = 0;
        while (tick < completed && attempts < publishLimit) {
            if (slot >= bound) {
                tick++;
                slot = 0;
                continue;
            }
            final int ticksAgo = (int) Math.min(Integer.MAX_VALUE, completed - 1 - tick);
            if (ticksAgo >= retained) {
                // Publishing fell further behind than the history keeps: the rest of this tick is gone.
                dropped += bound - slot;
                tick++;
                slot = 0;
                continue;
            }
            if (ticksAgo >= history.length(slot)) {
                slot++;
                continue;
            }
            attempts++;
            if (samples.offer(tick, slot, history.value(Resource.INGEST_POINTS, slot, ticksAgo),
                history.value(Resource.INGEST_BYTES, slot, ticksAgo),
                history.value(Resource.QUERY_COST, slot, ticksAgo))) {
                sent++;
                slot++;
            } else if (backPressure == SampleBackPressure.DROP) {
                dropped++;
                slot++;
            } else {
                backPressuredCount = backPressuredCount + 1;
                break;
            }
        }
        publishTick = tick;
        publishSlot = slot;
        if (sent != 0) {
            publishedSampleCount = publishedSampleCount + sent;
        }
        if (dropped != 0) {
            droppedSampleCount = droppedSampleCount + dropped;
        }
        return sent;
    }
}
