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
 * Only slots recorded since the previous tick are folded: the recorder flags them in a per-stripe dirty-slot bitmap,
 * which the fold reads a word (64 slots) at a time; the history reads the others' rows as zero without being
 * written (see {@link LoadHistory}). A tick therefore costs in proportion to the slots that took load, plus one
 * read per 64 slots and stripe.
 * <p>
 * Duty cycle: reads the clock once; when the tick deadline has passed, folds the dirty slots of
 * {@code [0, slotBound)} and completes the tick in the history; then, when a {@link OneToOneLoadSampleRing} is
 * configured, publishes up to {@link Context#publishLimit(int)} samples: one per slot that took load in a completed
 * tick (read back from the history, in tick then slot order, from a journal the fold keeps). A full ring is handled
 * by the {@link SampleBackPressure} policy and always counted.
 * Allocation-free after construction. Role name {@code presplit-profiler}.
 */
public final class ProfilerAgent implements Agent {
    private static final long BUCKET_EXACT_LIMIT = 1L << 31;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Offset of a record's last bucket counter: the second line of its line pair. */
    private static final int LAST_BUCKET_OFFSET = BUCKET_POINTS_OFFSET + (KeySpace.BUCKET_COUNT - 1) * Integer.BYTES;
    /** Dirty slots folded together: enough independent cache misses in flight to cover the memory latency. */
    private static final int BATCH = 32;

    private final LoadRecorder recorder;
    private final LoadHistory history;
    private final NanoClock clock;
    private final IntSupplier slotBound;
    private final long tickNs;
    private final int[] bucketDeltas = new int[KeySpace.BUCKET_COUNT];
    private final int[] batch = new int[BATCH];
    /** Sum of the batch's early reads, kept so that the compiler cannot drop them. Agent thread. */
    private long prefetchSink;
    private final OneToOneLoadSampleRing samples;
    private final SampleBackPressure backPressure;
    private final int publishLimit;
    /**
     * Journal of (tick, slot) pairs folded but not yet offered to the ring, a power-of-two ring; {@code null} when
     * no sample ring is configured. Agent thread.
     */
    private final long[] journalTicks;
    private final int[] journalSlots;
    private final long journalMask;
    private long journalWritten;
    private long journalRead;
    /** Slots {@code [0, startedBound)} have a history started (see {@link LoadHistory#startSlots}). Agent thread. */
    private int startedBound;
    private long deadlineNs;
    private volatile int touchedSlotCount;
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
        private int journalCapacity;

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
         * Samples the profiler keeps for the ring while the ring is full or behind, rounded up to a power of two;
         * beyond it the oldest are dropped (counted). Default: twice the slot capacity, at least 4096.
         */
        public Context journalCapacity(final int journalCapacity) {
            this.journalCapacity = journalCapacity;
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
            if (journalCapacity == 0) {
                journalCapacity = (int) Math.min(1 << 30, Math.max(4096, 2L * recorder.slotCapacity()));
            }
            if (tickNs <= 0 || publishLimit < 1 || journalCapacity < 1 || journalCapacity > 1 << 30) {
                throw new IllegalArgumentException("tick length, publish limit and journal capacity must be positive "
                    + "[tickNs=" + tickNs + ", publishLimit=" + publishLimit + ", journalCapacity=" + journalCapacity
                    + "]");
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
        this.deadlineNs = clock.nanoTime() + tickNs;
        if (samples != null) {
            // A reopened history's ticks were published by the previous process (or are lost with it).
            final int capacity = Integer.highestOneBit(context.journalCapacity - 1) << 1;
            this.journalTicks = new long[Math.max(1, capacity)];
            this.journalSlots = new int[journalTicks.length];
            this.journalMask = journalTicks.length - 1;
        } else {
            this.journalTicks = null;
            this.journalSlots = null;
            this.journalMask = 0;
        }
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
     * Slots folded in the latest tick: those recorded since the previous one (the others had no load). Any thread
     * may read; the agent writes.
     */
    public int touchedSlotCount() {
        return touchedSlotCount;
    }

    /**
     * Samples never published: refused by a full ring under {@link SampleBackPressure#DROP}, pushed out of the
     * journal while the ring was behind, or older than the history's retention (or its slot's restarted history)
     * when publishing fell that far behind. Any thread may read; the agent writes.
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
     * Folds the slots of {@code [0, slotCount)} recorded since the previous fold into one history row each, and
     * publishes the tick; the others read as zero rows in the history without costing any work here. Agent thread.
     * Allocation-free. Reads each claimed stripe's dirty-slot bitmap (one word per 64 slots), then only the records
     * of dirty slots, in address order.
     */
    public void fold(final int slotCount) {
        final LoadRecorder recorder = this.recorder;
        final LoadHistory history = this.history;
        if (slotCount > startedBound) {
            history.startSlots(startedBound, slotCount);
            startedBound = slotCount;
        }
        final int stripes = recorder.claimedStripes();
        final int words = (slotCount + Long.SIZE - 1) >>> LoadRecorderDescriptor.DIRTY_WORD_SHIFT;
        final long tick = history.tickCount();
        final int[] batch = this.batch;
        long overflows = 0;
        int touched = 0;
        int batched = 0;
        for (int word = 0; word < words; word++) {
            final int firstSlot = word << LoadRecorderDescriptor.DIRTY_WORD_SHIFT;
            final int inBound = slotCount - firstSlot;
            // Bits of slots at or above the bound stay set: they are folded once the bound covers them.
            final long mask = inBound >= Long.SIZE ? -1L : (1L << inBound) - 1;
            long dirty = 0;
            for (int stripe = 0; stripe < stripes; stripe++) {
                dirty |= recorder.takeDirty(stripe, word, mask);
            }
            while (dirty != 0) {
                batch[batched++] = firstSlot + Long.numberOfTrailingZeros(dirty);
                dirty &= dirty - 1;
                if (batched == BATCH) {
                    overflows += foldBatch(batched, stripes, tick);
                    touched += batched;
                    batched = 0;
                }
            }
        }
        overflows += foldBatch(batched, stripes, tick);
        touched += batched;
        if (overflows != 0) {
            bucketOverflowCount += overflows;
        }
        touchedSlotCount = touched;
        history.completeTick();
    }

    /**
     * Folds a batch of dirty slots in two passes: first one independent read of every cache line each slot's fold
     * will touch (recorder records, last totals, history row), so that the memory system fetches the whole batch's
     * lines in parallel rather than one dependent miss at a time; then the fold of each slot, from cache.
     *
     * @return ticks of overflowing bucket differences in the batch.
     */
    private int foldBatch(final int count, final int stripes, final long tick) {
        final int[] batch = this.batch;
        final CounterStripes counters = recorder.counters();
        final int totals = recorder.foldTotalsStripe();
        long touch = 0;
        for (int i = 0; i < count; i++) {
            final int slot = batch[i];
            final int slotBase = slot << SLOT_SHIFT;
            for (int stripe = 0; stripe < stripes; stripe++) {
                touch += counters.getLongOpaque(stripe, slotBase + POINTS_OFFSET);
                touch += counters.getIntOpaque(stripe, slotBase + LAST_BUCKET_OFFSET);
            }
            touch += counters.getLongOpaque(totals, slotBase + POINTS_OFFSET)
                + counters.getIntOpaque(totals, slotBase + LAST_BUCKET_OFFSET);
            touch += history.touchRow(slot, tick);
        }
        // Keeps the reads: their sum is stored, never used.
        prefetchSink += touch;
        int overflows = 0;
        for (int i = 0; i < count; i++) {
            final int slot = batch[i];
            overflows += foldSlot(slot, stripes);
            if (journalSlots != null) {
                journal(tick, slot);
            }
        }
        return overflows;
    }

    /**
     * Folds one slot: sums its counters over the claimed stripes, writes the differences against the previous
     * totals as the tick's row. Allocation-free.
     *
     * @return 1 when the slot took 2<sup>31</sup> points or more in the tick (bucket differences inexact), else 0.
     */
    private int foldSlot(final int slot, final int stripes) {
        final CounterStripes counters = recorder.counters();
        final MemorySegment memory = counters.segment();
        final long stripeLength = counters.stripeLengthBytes();
        final int[] bucketDeltas = this.bucketDeltas;
        final int lanes = INTS.length();
        final int slotBase = slot << SLOT_SHIFT;
        final int totals = recorder.foldTotalsStripe();
        long points = 0;
        long bytes = 0;
        long queryCost = 0;
        for (int stripe = 0; stripe < stripes; stripe++) {
            points += counters.getLongOpaque(stripe, slotBase + POINTS_OFFSET);
            bytes += counters.getLongOpaque(stripe, slotBase + BYTES_OFFSET);
            queryCost += counters.getLongOpaque(stripe, slotBase + QUERY_COST_OFFSET);
        }
        final long pointsDelta = points - counters.getLongOpaque(totals, slotBase + POINTS_OFFSET);
        final long bytesDelta = bytes - counters.getLongOpaque(totals, slotBase + BYTES_OFFSET);
        final long queryDelta = queryCost - counters.getLongOpaque(totals, slotBase + QUERY_COST_OFFSET);
        counters.setLong(totals, slotBase + POINTS_OFFSET, points);
        counters.setLong(totals, slotBase + BYTES_OFFSET, bytes);
        counters.setLong(totals, slotBase + QUERY_COST_OFFSET, queryCost);
        // Bucket counters: one vector per stripe and lane group; the differences wrap modulo 2^32, and are below
        // 2^31 (so read as signed ints) whenever the overflow count stays quiet.
        final long totalsBase = totals * stripeLength + slotBase + BUCKET_POINTS_OFFSET;
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b += lanes) {
            final long fieldOffset = slotBase + BUCKET_POINTS_OFFSET + (long) b * Integer.BYTES;
            IntVector sum = IntVector.zero(INTS);
            for (int stripe = 0; stripe < stripes; stripe++) {
                sum = sum.add(IntVector.fromMemorySegment(INTS, memory, stripe * stripeLength + fieldOffset,
                    NATIVE));
            }
            final long lastAt = totalsBase + (long) b * Integer.BYTES;
            sum.sub(IntVector.fromMemorySegment(INTS, memory, lastAt, NATIVE)).intoArray(bucketDeltas, b);
            sum.intoMemorySegment(memory, lastAt, NATIVE);
        }
        history.writeRowDeltas(slot, pointsDelta, bytesDelta, queryDelta, bucketDeltas);
        return pointsDelta >= BUCKET_EXACT_LIMIT ? 1 : 0;
    }

    /** Notes that {@code slot} took load in {@code tick}, for publishing; overwrites (and counts) the oldest. */
    private void journal(final long tick, final int slot) {
        final long written = journalWritten;
        if (written - journalRead > journalMask) {
            // The journal is full of samples the ring has not taken: the oldest is lost, and counted.
            journalRead++;
            droppedSampleCount = droppedSampleCount + 1;
        }
        final int index = (int) (written & journalMask);
        journalTicks[index] = tick;
        journalSlots[index] = slot;
        journalWritten = written + 1;
    }

    /**
     * Offers up to {@code publishLimit} journalled samples of completed ticks, oldest first. Agent thread;
     * allocation-free.
     *
     * @return the number of samples the ring accepted.
     */
    private int publish() {
        final LoadHistory history = this.history;
        final OneToOneLoadSampleRing samples = this.samples;
        final long completed = history.tickCount();
        final int retained = history.ticksRetained();
        final long written = journalWritten;
        long read = journalRead;
        int sent = 0;
        int attempts = 0;
        long dropped = 0;
        while (read < written && attempts < publishLimit) {
            final int index = (int) (read & journalMask);
            final long tick = journalTicks[index];
            final int slot = journalSlots[index];
            final long ticksAgo = completed - 1 - tick;
            if (ticksAgo >= retained || ticksAgo >= history.length(slot)) {
                // Publishing fell further behind than the history keeps, or the slot's history was restarted
                // (lineage) since: the sample is gone.
                dropped++;
                read++;
                continue;
            }
            attempts++;
            final int ago = (int) ticksAgo;
            if (samples.offer(tick, slot, history.value(Resource.INGEST_POINTS, slot, ago),
                history.value(Resource.INGEST_BYTES, slot, ago), history.value(Resource.QUERY_COST, slot, ago))) {
                sent++;
                read++;
            } else if (backPressure == SampleBackPressure.DROP) {
                dropped++;
                read++;
            } else {
                backPressuredCount = backPressuredCount + 1;
                break;
            }
        }
        journalRead = read;
        if (sent != 0) {
            publishedSampleCount = publishedSampleCount + sent;
        }
        if (dropped != 0) {
            droppedSampleCount = droppedSampleCount + dropped;
        }
        return sent;
    }
}
