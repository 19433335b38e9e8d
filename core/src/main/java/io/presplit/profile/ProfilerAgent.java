package io.presplit.profile;

import static io.presplit.profile.LoadRecorderDescriptor.BUCKET_FIELD_BITS;
import static io.presplit.profile.LoadRecorderDescriptor.BUCKET_FIELD_MASK;
import static io.presplit.profile.LoadRecorderDescriptor.BUCKET_WORDS_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.BYTES_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.POINTS_OFFSET;
import static io.presplit.profile.LoadRecorderDescriptor.QUERY_COST_SHIFT;
import static io.presplit.profile.LoadRecorderDescriptor.SLOT_SHIFT;

import io.presplit.keyspace.KeySpace;
import io.presplit.memory.CounterStripes;
import io.presplit.ring.OneToOneLoadSampleRing;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.IntSupplier;

/**
 * Closes each profiler tick: folds the recorder's stripes into one row per partition slot of the load history.
 * <p>
 * The recorder's counters only grow; the agent keeps the totals it saw at the previous tick and writes the
 * differences, so every recorded point lands in exactly one tick, whatever the writers do meanwhile. Only the
 * stripes claimed so far are read. Bucket counters are 21-bit fields and wrap; their differences are exact while a
 * slot takes fewer than 2<sup>21</sup> points between two folds of its bucket counts, and folds that break this are
 * counted ({@link #bucketOverflowCount()}), never silent.
 * <p>
 * Bucket counts are folded every tick by default. With {@link Context#bucketFoldTicks(int) a period of k ticks}, a
 * slot's tick row still comes every tick, from its points and bytes against the recorder's fold tick totals (a
 * quarter line a slot), while its bucket counts are added only in its block's phase (block + tick divisible by k),
 * against the totals record of its previous bucket fold; slots that took load since, dirty now or not, are folded
 * then. A tick thus reads and rewrites the bucket loads and the totals record of a k-th of the slots, not all of
 * them. Dirty flags are taken a chunk of {@value #TAKE_CHUNK_WORDS} words at a time, before the chunk is folded:
 * each take is a locked instruction, and so a fence that would otherwise wait for the previous word's stores.
 * <p>
 * Only slots recorded since the previous tick are folded: the recorder flags them in per-stripe dirty flags (ingest and
 * query, a byte per slot), which the fold takes 64 slots at a time; the history gives the others zero rows without
 * writing them, except at level 0 the lines that held rows a ring ago, which it zeroes (see {@link LoadHistory}). A
 * tick therefore costs in proportion to the slots that took load (now or a ring ago), plus two vector reads per 64
 * slots and stripe and a mask word per 512 slots. Two ways through a word: when few of its slots are dirty they are
 * gathered into batches whose cache lines are read once up front, so that their misses overlap; when many are (at least
 * {@link #DENSE_WORD_SLOTS} of 64), the word's slots are folded straight in address order, where the hardware
 * prefetchers see sequential streams and an up-front pass would only cost instructions (measured at a tenth of the
 * slots, where a word has about 6: streaming every word took 39 ms against 26 ms batched, minima), and the word's rows
 * are written to the history together as whole lines ({@link LoadHistory#writeTickWord}), which needs no zeroing of
 * the lines first; a dense word whose bucket counts wait for their phase takes its rows from the tick totals in a
 * loop of its own.
 * <p>
 * Duty cycle: reads the clock once; when the tick deadline has passed (and no fold is in progress), begins folding
 * the dirty slots of {@code [0, slotBound)}; folds up to {@link Context#foldWordsPerCycle(int)} words of 64 slots of
 * the tick being folded (by default all of them: the whole tick in one cycle), and completes the tick in the history
 * after its last word; then, when a {@link OneToOneLoadSampleRing} is
 * configured, publishes up to {@link Context#publishLimit(int)} samples: one per slot that took load in a completed
 * tick (read back from the history, in tick then slot order, from a journal the fold keeps). A full ring is handled
 * by the {@link SampleBackPressure} policy and always counted.
 * Allocation-free after construction. Role name {@code presplit-profiler}.
 */
public final class ProfilerAgent implements Agent {
    /**
     * Dirty slots of one 64-slot word from which the fold streams the word instead of batching it: at a quarter of
     * the slots the records it reads are close enough for the prefetchers to follow.
     */
    public static final int DENSE_WORD_SLOTS = 16;
    private static final long BUCKET_EXACT_LIMIT = 1L << BUCKET_FIELD_BITS;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** One 64-byte ingest record as one vector of eight {@code long}s. */
    private static final VectorSpecies<Long> RECORD = LongVector.SPECIES_512;
    /** Eight bucket deltas as {@code int}s. */
    private static final VectorSpecies<Integer> EIGHT_INTS = IntVector.SPECIES_256;
    /** Lane of the record and bit position of buckets 0-7, then 8-15: bucket b is lane 2 + b / 3, bit 21 (b % 3). */
    private static final VectorShuffle<Long> LOW_BUCKET_LANES = VectorShuffle.fromArray(RECORD, bucketLanes(0), 0);
    private static final VectorShuffle<Long> HIGH_BUCKET_LANES = VectorShuffle.fromArray(RECORD, bucketLanes(8), 0);
    private static final LongVector LOW_BUCKET_SHIFTS = LongVector.fromArray(RECORD, bucketShifts(0), 0);
    private static final LongVector HIGH_BUCKET_SHIFTS = LongVector.fromArray(RECORD, bucketShifts(8), 0);
    /** A word of an ingest record, read plainly after its dirty flag was taken (see {@link LoadRecorder}). */
    private static final ValueLayout.OfLong RECORD_WORD = ValueLayout.JAVA_LONG;
    /** A slot's fold tick totals: points, bytes (native order, the profiler's own memory). */
    private static final ValueLayout.OfLong TICK_TOTAL = ValueLayout.JAVA_LONG;
    /** Dirty slots folded together: enough independent cache misses in flight to cover the memory latency. */
    private static final int BATCH = 32;
    /** What a slot's fold does, as bits: its tick row takes ingest records, query records; its bucket counts. */
    private static final int INGEST = 1;
    private static final int QUERY = 2;
    private static final int BUCKETS = 4;
    /** Words whose dirty flags are taken together before they are folded (see {@link #takeChunk}). */
    private static final int TAKE_CHUNK_WORDS = 64;
    /** log2 of the 64-slot words of one bucket phase: the slots of one level-0 block of the history. */
    private static final int PHASE_WORD_SHIFT =
        LoadHistoryDescriptor.BLOCK_SHIFT - LoadRecorderDescriptor.DIRTY_WORD_SHIFT;

    private final LoadRecorder recorder;
    private final LoadHistory history;
    private final NanoClock clock;
    private final IntSupplier slotBound;
    private final long tickNs;
    private final int[] bucketDeltas = new int[KeySpace.BUCKET_COUNT];
    /** One ingest record's lanes summed over the stripes. Agent thread. */
    private final long[] stripeSum = new long[LoadRecorderDescriptor.SLOT_LENGTH / Long.BYTES];
    private final int[] batch = new int[BATCH];
    /**
     * The tick rows of a word's slots, lane i = slot 64 word + i (a batched slot's at lane 0), which the fold writes
     * to the history together; a dense word's lanes of slots without a row of a kind are 0 (cleared before the
     * word). Agent thread.
     */
    private final double[] rowPoints = new double[Long.SIZE];
    private final double[] rowBytes = new double[Long.SIZE];
    private final double[] rowQuery = new double[Long.SIZE];
    /** Per batched slot: what its fold does ({@link #INGEST}, {@link #QUERY}, {@link #BUCKETS} bits). Agent thread. */
    private final byte[] batchWork = new byte[BATCH];
    /** The ingest and query dirty flags taken for the words of the chunk being folded. Agent thread. */
    private final long[] takenIngest = new long[TAKE_CHUNK_WORDS];
    private final long[] takenQuery = new long[TAKE_CHUNK_WORDS];
    /** Ticks from one fold of a slot's bucket counts to the next (its block's phase); 1 = every tick. */
    private final int bucketFoldTicks;
    /**
     * Per 64-slot word, the slots that took ingest records since their bucket counts were last folded (bit i = slot
     * 64 word + i); {@code null} when bucket counts are folded every tick. Agent thread.
     */
    private final long[] bucketPending;
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
    /**
     * The share of each slot's counts since its previous fold that the fold in progress takes: one
     * {@code takeDivisor}-th (the rest stays in the counters for the next folds). 1 except while catching up after a
     * stall (see {@link #lateTickCount()}): then it counts down over the catch-up's folds, so that the stall's load
     * is spread evenly over them instead of landing in the first. Agent thread.
     */
    private long takeDivisor = 1;
    /** Folds left in the catch-up under way, this one included; 0 when none is. Agent thread. */
    private long catchUpFoldsLeft;
    /** Most 64-slot words one duty cycle folds. */
    private final int foldWordsPerCycle;
    /*
     * The tick being folded (agent thread): whether a fold has begun and not completed, its slot bound, its words,
     * the next word to fold, and the slots folded so far.
     */
    private boolean isFoldInProgress;
    private int foldSlotCount;
    private int foldWordCount;
    private int foldNextWord;
    private int foldTouched;
    private volatile int touchedSlotCount;
    /**
     * Ticks completed in the history by this agent, counted after {@link LoadHistory#completeTick()}: the signal a
     * driver watches to run per-tick work once per tick whatever number of duty cycles the tick's fold took. Written
     * by the agent thread only (a plain increment of a volatile); any thread may read.
     */
    private volatile long completedTickCount;
    private volatile long bucketOverflowCount;
    private volatile long publishedSampleCount;
    private volatile long droppedSampleCount;
    private volatile long backPressuredCount;
    private volatile long lateTickCount;

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
        private int foldWordsPerCycle = Integer.MAX_VALUE;
        private int bucketFoldTicks = 1;

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
         * Most words of 64 slots one duty cycle folds, at least 1: a tick's fold is spread over
         * {@code ceil(slots / 64 / foldWordsPerCycle)} duty cycles, which bounds the cycle's time (for example 1,024
         * words: 65,536 slots a cycle, a few milliseconds when all took load), and its samples are published when
         * its last word is folded. Default: all, a tick folds in the duty cycle where it falls due.
         */
        public Context foldWordsPerCycle(final int foldWordsPerCycle) {
            this.foldWordsPerCycle = foldWordsPerCycle;
            return this;
        }

        /**
         * Ticks from one fold of a slot's bucket counts into its bucket loads to the next, at least 1 (the default:
         * every tick). With {@code k > 1}, slots are folded for their tick rows every tick as before, but their bucket
         * counts only in every k-th tick, a different one for each block of 512 slots (so that every tick does a k-th
         * of the bucket work), the counts of the k ticks added at once after decaying the loads by
         * {@code decay^k}: bucket loads lag by up to k ticks, and a slot's 21-bit bucket differences are exact while
         * it takes fewer than 2<sup>21</sup> points in k ticks. The price buys a fold that reads and rewrites the
         * bucket loads and the totals record once per k ticks instead of every tick (docs/BENCHMARKS.md). A retired
         * partition slot must then wait longer before reuse ({@link #slotQuarantineTicks(int)}).
         */
        public Context bucketFoldTicks(final int bucketFoldTicks) {
            this.bucketFoldTicks = bucketFoldTicks;
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
            if (tickNs <= 0 || publishLimit < 1 || journalCapacity < 1 || journalCapacity > 1 << 30
                || foldWordsPerCycle < 1 || bucketFoldTicks < 1) {
                throw new IllegalArgumentException("tick length, publish limit, journal capacity, fold words per "
                    + "cycle and bucket fold ticks must be positive [tickNs=" + tickNs + ", publishLimit="
                    + publishLimit + ", journalCapacity=" + journalCapacity + ", foldWordsPerCycle="
                    + foldWordsPerCycle + ", bucketFoldTicks=" + bucketFoldTicks + "]");
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
        this.foldWordsPerCycle = context.foldWordsPerCycle;
        this.bucketFoldTicks = context.bucketFoldTicks;
        this.bucketPending = bucketFoldTicks == 1 ? null : new long[recorder.dirtyWords()];
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

    /**
     * One duty cycle (see the class comment). Agent thread; allocation-free.
     *
     * @return positive when the cycle folded words of a tick or published samples, else 0; whether it completed a
     *     tick is told by {@link #completedTickCount()}, not by this count.
     */
    @Override
    public int doWork() {
        final long nowNs = clock.nanoTime();
        int work = 0;
        if (!isFoldInProgress && nowNs - deadlineNs >= 0) {
            final long ticksMissed = (nowNs - deadlineNs) / tickNs;
            if (ticksMissed > 0) {
                lateTickCount++;
            }
            takeDivisor = catchUpDivisor(ticksMissed);
            deadlineNs += tickNs;
            beginFold(slotBound.getAsInt());
        }
        if (isFoldInProgress) {
            foldWords(foldWordsPerCycle);
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

    /**
     * Folds that began a whole tick or more after their deadline: the agent's thread was stalled (a pause, a
     * descheduled thread, a slow cycle), and the missed ticks were folded back to back. With bucket counts folded
     * every k &gt; 1 ticks, the stall's load is spread over up to k of those folds ({@link #catchUpDivisor}); with
     * k = 1 the first holds it all. Any thread may read; the agent writes.
     */
    public long lateTickCount() {
        return lateTickCount;
    }

    /** Duty cycles whose publishing stopped at a full ring under {@link SampleBackPressure#RETRY}. */
    public long backPressuredCount() {
        return backPressuredCount;
    }

    /**
     * Ticks in which a slot took 2<sup>21</sup> points or more, so its 21-bit bucket differences may be inexact (a
     * bucket's field wraps, or carries into its neighbour's; points, bytes and query cost stay exact). Any thread may
     * read; the agent writes.
     */
    public long bucketOverflowCount() {
        return bucketOverflowCount;
    }

    /**
     * Folds the tick in progress completely and publishes it: when {@link #doWork()} has begun folding it in slices
     * ({@link Context#foldWordsPerCycle(int)}), the rest of it, over the slot bound read when it began; otherwise the
     * slots of {@code [0, slotCount)} recorded since the previous fold, each into one history row; the others read as
     * zero rows in the history without costing any work here. Agent thread. Allocation-free. Reads each claimed
     * stripe's dirty flags (two lines per 64 slots), then only the records of dirty slots, in address order: batched
     * when a word has few dirty slots, streamed when it has many.
     */
    public void fold(final int slotCount) {
        if (!isFoldInProgress) {
            takeDivisor = 1;
            catchUpFoldsLeft = 0;
            beginFold(slotCount);
        }
        foldWords(Integer.MAX_VALUE);
    }

    /**
     * Completed ticks a retired partition slot must wait before a new partition takes it, for a profiler that folds
     * bucket counts every {@code bucketFoldTicks} ticks: until then, records counted just before the retirement may
     * still be folded into the slot's history (its tick row within a tick, its bucket counts within
     * {@code bucketFoldTicks}).
     */
    public static int slotQuarantineTicks(final int bucketFoldTicks) {
        return Math.max(2, bucketFoldTicks + 1);
    }

    /**
     * Ticks this agent has completed in the history since it was built: it grows by one in the duty cycle that folds
     * a tick's last word (by {@link #doWork()} or {@link #fold(int)}), never in the cycles before it. A driver that
     * runs per-tick work (forecasts, adjustments) compares it across {@link #doWork()} instead of reading
     * {@code doWork() > 0}, which is also positive for the cycles of a spread fold that do not complete a tick and
     * for publishing. Any thread may read; the agent writes.
     */
    public long completedTickCount() {
        return completedTickCount;
    }

    /**
     * Whether a tick's fold has begun and not completed: {@link #doWork()} folds a tick over several duty cycles
     * when {@link Context#foldWordsPerCycle(int)} is below the slots' words. Callers that change the history's
     * slots (lineage seeding) do it while this is {@code false}, between ticks. Agent thread.
     */
    public boolean isFoldInProgress() {
        return isFoldInProgress;
    }

    /**
     * The divisor of the fold that begins {@code ticksMissed} whole ticks after its deadline. On time (0): 1, the
     * fold takes everything since each slot's previous fold. Late, the counters hold the load of the missed ticks
     * too, and the folds that catch up follow back to back: taken whole, the first row would hold them all and the
     * next rows almost nothing (a spike that invites splits, then an idle stretch that invites merges). So the first
     * late fold starts a catch-up of {@code min(1 + ticksMissed, bucketFoldTicks)} folds, whose divisors count down
     * to 1: each takes an equal share of what the stall left, the last takes the rest, and every count is folded
     * exactly once. The cap keeps a slot's remainder within its quarantine ({@link #slotQuarantineTicks}) should the
     * slot be retired during the catch-up. With bucket counts folded every tick a row comes from the same totals as
     * the bucket counts, which cannot be taken in part: the divisor stays 1 there (a stall shows as a spike).
     */
    private long catchUpDivisor(final long ticksMissed) {
        if (catchUpFoldsLeft > 1) {
            return --catchUpFoldsLeft;
        }
        catchUpFoldsLeft = ticksMissed > 0 && bucketPending != null ? Math.min(1 + ticksMissed, bucketFoldTicks) : 0;
        return Math.max(1, catchUpFoldsLeft);
    }

    /** Starts folding the tick in progress over {@code [0, slotCount)}: its first word is folded next. */
    private void beginFold(final int slotCount) {
        if (slotCount > startedBound) {
            history.startSlots(startedBound, slotCount);
            startedBound = slotCount;
        }
        foldSlotCount = slotCount;
        foldWordCount = (slotCount + Long.SIZE - 1) >>> LoadRecorderDescriptor.DIRTY_WORD_SHIFT;
        foldNextWord = 0;
        foldTouched = 0;
        isFoldInProgress = true;
    }

    /**
     * Folds up to {@code wordLimit} more words (64 slots each) of the tick being folded, and completes the tick in
     * the history after its last word. Each slot's row covers its records from its previous fold to this one: a slot
     * is read once per tick, at about the same point of every tick, so that spreading a tick over duty cycles moves
     * no record into another slot's tick or into two ticks. The batch of a slice is folded before it returns.
     *
     * @return the number of words folded.
     */
    private int foldWords(final int wordLimit) {
        final LoadRecorder recorder = this.recorder;
        final int slotCount = foldSlotCount;
        final int firstWord = foldNextWord;
        final int endWord = (int) Math.min((long) firstWord + wordLimit, foldWordCount);
        // Per slice: a stripe claimed meanwhile is read from the next slice on (its flags and records alike).
        final int stripes = recorder.claimedStripes();
        final long tick = history.tickCount();
        final int[] batch = this.batch;
        final byte[] batchWork = this.batchWork;
        final long[] bucketPending = this.bucketPending;
        final boolean isJournalled = journalSlots != null;
        long overflows = 0;
        int touched = 0;
        int batched = 0;
        final long[] takenIngest = this.takenIngest;
        final long[] takenQuery = this.takenQuery;
        for (int word = firstWord; word < endWord; word++) {
            final int chunkIndex = (word - firstWord) & (TAKE_CHUNK_WORDS - 1);
            if (chunkIndex == 0) {
                takeChunk(word, Math.min(word + TAKE_CHUNK_WORDS, endWord), slotCount, stripes);
            }
            final int firstSlot = word << LoadRecorderDescriptor.DIRTY_WORD_SHIFT;
            final long ingest = takenIngest[chunkIndex];
            final long query = takenQuery[chunkIndex];
            // Whose bucket counts this tick folds: every ingest slot, or, folding them every k ticks, in its block's
            // phase the ingest slots and those left pending since the block's previous phase.
            long buckets = ingest;
            if (bucketPending != null) {
                if (((word >>> PHASE_WORD_SHIFT) + tick) % bucketFoldTicks == 0) {
                    buckets |= bucketPending[word];
                    bucketPending[word] = 0;
                } else {
                    bucketPending[word] |= ingest;
                    buckets = 0;
                }
            }
            final long rows = ingest | query;
            long visit = rows | buckets;
            if (visit == 0) {
                continue;
            }
            touched += Long.bitCount(rows);
            if (Long.bitCount(visit) >= DENSE_WORD_SLOTS) {
                // Stream the word: the batch before it first, so that slots stay in address order (the journal's).
                overflows += foldBatch(batched, stripes, tick);
                batched = 0;
                // The word's rows are written whole: lanes of slots without a row of a kind must read 0.
                if (ingest != -1L) {
                    Arrays.fill(rowPoints, 0.0);
                    Arrays.fill(rowBytes, 0.0);
                }
                if (query != 0 && query != -1L) {
                    Arrays.fill(rowQuery, 0.0);
                }
                if (buckets == 0 && bucketPending != null) {
                    // Rows alone (the word's bucket counts wait for its phase).
                    foldRowWord(word, ingest, query, stripes);
                    if (isJournalled) {
                        for (long left = rows; left != 0; left &= left - 1) {
                            journal(tick, firstSlot + Long.numberOfTrailingZeros(left));
                        }
                    }
                    visit = 0;
                }
                while (visit != 0) {
                    final int bit = Long.numberOfTrailingZeros(visit);
                    final int slot = firstSlot + bit;
                    overflows += foldSlot(slot, stripes, work(ingest, query, buckets, bit), bit);
                    if (isJournalled && (rows >>> bit & 1) != 0) {
                        journal(tick, slot);
                    }
                    visit &= visit - 1;
                }
                // The word's rows as whole lines (lanes of slots without a row of a kind read as zero).
                history.writeTickWord(word, ingest, query, rowPoints, rowBytes, rowQuery);
                continue;
            }
            while (visit != 0) {
                final int bit = Long.numberOfTrailingZeros(visit);
                batch[batched] = firstSlot + bit;
                batchWork[batched] = (byte) work(ingest, query, buckets, bit);
                batched++;
                visit &= visit - 1;
                if (batched == BATCH) {
                    overflows += foldBatch(batched, stripes, tick);
                    batched = 0;
                }
            }
        }
        overflows += foldBatch(batched, stripes, tick);
        if (overflows != 0) {
            bucketOverflowCount += overflows;
        }
        foldTouched += touched;
        foldNextWord = endWord;
        if (endWord == foldWordCount) {
            touchedSlotCount = foldTouched;
            isFoldInProgress = false;
            history.completeTick();
            completedTickCount++;
        }
        return endWord - firstWord;
    }

    /**
     * Takes the dirty flags of words {@code [fromWord, toWord)} (at most {@link #TAKE_CHUNK_WORDS}) into
     * {@link #takenIngest} and {@link #takenQuery}, before any of them is folded: each take is a locked instruction,
     * a full fence that waits for the stores before it to drain, so taking a chunk's flags back to back pays that
     * wait once per chunk rather than once per word behind the previous word's history stores (which miss the cache).
     */
    private void takeChunk(final int fromWord, final int toWord, final int slotCount, final int stripes) {
        final LoadRecorder recorder = this.recorder;
        for (int word = fromWord; word < toWord; word++) {
            final int inBound = slotCount - (word << LoadRecorderDescriptor.DIRTY_WORD_SHIFT);
            // Bits of slots at or above the bound stay set: they are folded once the bound covers them.
            final long mask = inBound >= Long.SIZE ? -1L : (1L << inBound) - 1;
            long ingest = 0;
            long query = 0;
            for (int stripe = 0; stripe < stripes; stripe++) {
                ingest |= recorder.takeIngestDirty(stripe, word, mask);
                query |= recorder.takeQueryDirty(stripe, word, mask);
            }
            takenIngest[word - fromWord] = ingest;
            takenQuery[word - fromWord] = query;
            if (takeDivisor > 1) {
                // A fold that takes a share leaves the rest for the catch-up's next folds: they must visit the slot.
                recorder.restoreDirty(word, ingest, query);
            }
        }
    }

    /** The fold's work for the slot at {@code bit} of a word: {@link #INGEST}, {@link #QUERY}, {@link #BUCKETS}. */
    private static int work(final long ingest, final long query, final long buckets, final int bit) {
        return (int) (ingest >>> bit & 1) * INGEST | (int) (query >>> bit & 1) * QUERY
            | (int) (buckets >>> bit & 1) * BUCKETS;
    }

    /**
     * Folds a batch of slots in two passes: first one independent read of every cache line each slot's fold will
     * touch (ingest records, totals, history lines), so that the memory system fetches the whole batch's lines in
     * parallel rather than one dependent miss at a time; then the fold of each slot, from cache.
     *
     * @return ticks of overflowing bucket differences in the batch.
     */
    private int foldBatch(final int count, final int stripes, final long tick) {
        final int[] batch = this.batch;
        final byte[] batchWork = this.batchWork;
        final CounterStripes counters = recorder.counters();
        final MemorySegment tickTotals = recorder.foldTickTotals();
        final boolean isEveryTick = bucketPending == null;
        final int totals = recorder.foldTotalsStripe();
        long touch = 0;
        for (int i = 0; i < count; i++) {
            final int slot = batch[i];
            final int work = batchWork[i];
            final boolean isRow = (work & (INGEST | QUERY)) != 0;
            final boolean isBuckets = (work & BUCKETS) != 0;
            if ((work & INGEST) != 0 || isBuckets) {
                final long recordOffset = (long) slot << SLOT_SHIFT;
                for (int stripe = 0; stripe < stripes; stripe++) {
                    touch += counters.getLongOpaque(stripe, recordOffset + POINTS_OFFSET);
                }
                if (isBuckets || isEveryTick) {
                    touch += counters.getLongOpaque(totals, recordOffset + POINTS_OFFSET);
                }
                if (!isEveryTick && (work & INGEST) != 0) {
                    touch += tickTotals.get(TICK_TOTAL, LoadRecorderDescriptor.tickTotalsOffset(slot));
                }
            }
            touch += history.touchRow(slot, isRow, isBuckets);
        }
        // Keeps the reads: their sum is stored, never used.
        prefetchSink += touch;
        int overflows = 0;
        for (int i = 0; i < count; i++) {
            final int slot = batch[i];
            final int work = batchWork[i];
            overflows += foldSlot(slot, stripes, work, 0);
            if ((work & (INGEST | QUERY)) != 0) {
                history.writeTickRow(slot, rowPoints[0], rowBytes[0], rowQuery[0]);
                if (journalSlots != null) {
                    journal(tick, slot);
                }
            }
        }
        return overflows;
    }

    /**
     * Folds one slot: sums its ingest record over the claimed stripes (one 512-bit vector of plain 64-bit lanes),
     * leaves the tick's row (the differences against its previous totals) at {@code lane} of the row scratch for the
     * caller to write, and, when its bucket counts are folded, adds the bucket fields decoded from the difference
     * against the totals of its previous bucket fold.
     * Allocation-free.
     *
     * @param work {@link #INGEST} when the slot took ingest records (else its tick row has no points or bytes),
     *             {@link #QUERY} when it took query records, {@link #BUCKETS} when its bucket counts are folded now.
     * @param lane where its row goes in {@link #rowPoints}, {@link #rowBytes} and {@link #rowQuery}: its bit in its
     *             word when the word's rows are written together, else 0.
     * @return 1 when the slot took 2<sup>21</sup> points or more since its bucket counts were last folded (bucket
     *     differences inexact), else 0.
     */
    private int foldSlot(final int slot, final int stripes, final int work, final int lane) {
        final CounterStripes counters = recorder.counters();
        final MemorySegment memory = counters.segment();
        final long stripeLength = counters.stripeLengthBytes();
        final long totalsBase = recorder.foldTotalsStripe() * stripeLength;
        final boolean isIngest = (work & INGEST) != 0;
        final boolean isBuckets = (work & BUCKETS) != 0;
        long pointsDelta = 0;
        long bytesDelta = 0;
        long queryDelta = 0;
        int overflow = 0;
        if (isIngest && !isBuckets) {
            // The row alone (bucket counts folded every k ticks, not in this one). Records counted after the slot's
            // flags were taken land in this tick.
            rowFromTickTotals(slot, stripes, lane);
        } else if (isBuckets) {
            final long recordOffset = (long) slot << SLOT_SHIFT;
            // Plain 64-bit lanes: points and bytes are counters, bucket words mixed-radix sums whose differences
            // decode field by field (see LoadRecorderDescriptor). Summed through a heap line rather than a vector
            // carried around the loop: the compiler keeps a loop-carried vector in a heap box (an allocation per
            // slot, seen in the allocation test once the loop had run); the line stays in L1.
            final long[] stripeSum = this.stripeSum;
            LongVector.fromMemorySegment(RECORD, memory, recordOffset, NATIVE).intoArray(stripeSum, 0);
            for (int stripe = 1; stripe < stripes; stripe++) {
                LongVector.fromArray(RECORD, stripeSum, 0)
                    .add(LongVector.fromMemorySegment(RECORD, memory, stripe * stripeLength + recordOffset, NATIVE))
                    .intoArray(stripeSum, 0);
            }
            if (isIngest && bucketPending != null) {
                // Bucket counts every k ticks: the row from the tick totals, as in the other ticks. (A slot folded
                // only for its buckets keeps them: records counted after its flags were taken belong to the next
                // tick's row.)
                final long at = LoadRecorderDescriptor.tickTotalsOffset(slot);
                pointsDelta = tickDelta(at, stripeSum[0]);
                bytesDelta = tickDelta(at + Long.BYTES, stripeSum[1]);
            }
            final LongVector sum = LongVector.fromArray(RECORD, stripeSum, 0);
            final long lastAt = totalsBase + recordOffset;
            sum.sub(LongVector.fromMemorySegment(RECORD, memory, lastAt, NATIVE)).intoArray(stripeSum, 0);
            sum.intoMemorySegment(memory, lastAt, NATIVE);
            if (bucketPending == null) {
                // Bucket counts every tick: the totals record serves the row too.
                pointsDelta = stripeSum[0];
                bytesDelta = stripeSum[1];
            }
            overflow = addBucketCounts(slot);
        }
        if ((work & QUERY) != 0) {
            queryDelta = queryDelta(slot, stripes);
        }
        if (!isIngest || isBuckets) {
            rowPoints[lane] = pointsDelta;
            rowBytes[lane] = bytesDelta;
        }
        rowQuery[lane] = queryDelta;
        return overflow;
    }

    /**
     * The rows of a dense word whose bucket counts this tick does not fold ({@link #rowFromTickTotals}, query cost
     * as usual), left in the row scratch, lane i for slot 64 word + i: the word's fold without {@link #foldSlot}'s
     * branches for bucket work.
     */
    private void foldRowWord(final int word, final long ingest, final long query, final int stripes) {
        final int firstSlot = word << LoadRecorderDescriptor.DIRTY_WORD_SHIFT;
        for (long left = ingest; left != 0; left &= left - 1) {
            final int lane = Long.numberOfTrailingZeros(left);
            rowFromTickTotals(firstSlot + lane, stripes, lane);
        }
        for (long left = query; left != 0; left &= left - 1) {
            final int lane = Long.numberOfTrailingZeros(left);
            rowQuery[lane] = queryDelta(firstSlot + lane, stripes);
        }
    }

    /**
     * The tick's points and bytes of a slot whose bucket counts this tick does not fold: two words of each stripe's
     * record, summed, against the tick totals, which become the sums; left at {@code lane} of the row scratch.
     */
    private void rowFromTickTotals(final int slot, final int stripes, final int lane) {
        final CounterStripes counters = recorder.counters();
        final MemorySegment memory = counters.segment();
        final long stripeLength = counters.stripeLengthBytes();
        final long recordOffset = (long) slot << SLOT_SHIFT;
        long points = 0;
        long bytes = 0;
        for (int stripe = 0; stripe < stripes; stripe++) {
            final long at = stripe * stripeLength + recordOffset;
            points += memory.get(RECORD_WORD, at + POINTS_OFFSET);
            bytes += memory.get(RECORD_WORD, at + BYTES_OFFSET);
        }
        final long at = LoadRecorderDescriptor.tickTotalsOffset(slot);
        rowPoints[lane] = tickDelta(at, points);
        rowBytes[lane] = tickDelta(at + Long.BYTES, bytes);
    }

    /** The query cost {@code slot} took since its previous fold; its totals record's count becomes the new total. */
    private long queryDelta(final int slot, final int stripes) {
        final CounterStripes counters = recorder.counters();
        final long queryAt = recorder.queryCostOffset() + ((long) slot << QUERY_COST_SHIFT);
        long queryCost = 0;
        for (int stripe = 0; stripe < stripes; stripe++) {
            queryCost += counters.getLongOpaque(stripe, queryAt);
        }
        final int totals = recorder.foldTotalsStripe();
        final long previous = counters.getLongOpaque(totals, queryAt);
        final long taken = share(queryCost - previous);
        counters.setLong(totals, queryAt, previous + taken);
        return taken;
    }

    /**
     * The share this fold takes of {@code total} minus the fold tick total at {@code at} (all of it but while
     * catching up, {@link #takeDivisor}); the tick total grows by what was taken.
     */
    private long tickDelta(final long at, final long total) {
        final MemorySegment tickTotals = recorder.foldTickTotals();
        final long previous = tickTotals.get(TICK_TOTAL, at);
        final long taken = share(total - previous);
        tickTotals.set(TICK_TOTAL, at, previous + taken);
        return taken;
    }

    /** The part of a slot's counts since its previous fold that this fold takes. */
    private long share(final long sincePrevious) {
        return takeDivisor == 1 ? sincePrevious : sincePrevious / takeDivisor;
    }

    /**
     * Decodes the bucket fields of a difference of summed ingest records, left in {@link #stripeSum} (eight at a
     * time: the lane of each bucket's word, its shift, its mask, as ints), and adds them to the slot's bucket loads.
     * The difference comes through the heap line, not as an argument: a vector passed to a method the compiler does
     * not inline is boxed (an allocation per call, seen in the allocation test).
     *
     * @return 1 when the difference's points reach 2<sup>21</sup> (its bucket fields may be inexact), else 0.
     */
    private int addBucketCounts(final int slot) {
        final LongVector delta = LongVector.fromArray(RECORD, stripeSum, 0);
        final int[] bucketPoints = bucketDeltas;
        final IntVector low = (IntVector) delta.rearrange(LOW_BUCKET_LANES)
            .lanewise(VectorOperators.LSHR, LOW_BUCKET_SHIFTS).and(BUCKET_FIELD_MASK)
            .convertShape(VectorOperators.L2I, EIGHT_INTS, 0);
        final IntVector high = (IntVector) delta.rearrange(HIGH_BUCKET_LANES)
            .lanewise(VectorOperators.LSHR, HIGH_BUCKET_SHIFTS).and(BUCKET_FIELD_MASK)
            .convertShape(VectorOperators.L2I, EIGHT_INTS, 0);
        low.intoArray(bucketPoints, 0);
        high.intoArray(bucketPoints, EIGHT_INTS.length());
        history.addBucketCounts(slot, bucketPoints);
        return delta.lane(0) >= BUCKET_EXACT_LIMIT ? 1 : 0;
    }

    /** Record lanes of buckets {@code first .. first + 7}. */
    private static int[] bucketLanes(final int first) {
        final int[] lanes = new int[RECORD.length()];
        for (int i = 0; i < lanes.length; i++) {
            lanes[i] = BUCKET_WORDS_OFFSET / Long.BYTES + LoadRecorderDescriptor.bucketWord(first + i);
        }
        return lanes;
    }

    /** Bit positions of buckets {@code first .. first + 7} in their words. */
    private static long[] bucketShifts(final int first) {
        final long[] shifts = new long[RECORD.length()];
        for (int i = 0; i < shifts.length; i++) {
            shifts[i] = LoadRecorderDescriptor.bucketShift(first + i);
        }
        return shifts;
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
            if (tick >= completed) {
                // The tick being folded (over several duty cycles): published once it completes.
                break;
            }
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
