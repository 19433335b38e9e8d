package io.presplit.profile;

import static io.presplit.profile.LoadHistoryDescriptor.BUCKET_COUNT_OFFSET;
import static io.presplit.profile.LoadHistoryDescriptor.BUCKET_DECAY_OFFSET;
import static io.presplit.profile.LoadHistoryDescriptor.HEADER_LENGTH;
import static io.presplit.profile.LoadHistoryDescriptor.HEADER_LENGTH_OFFSET;
import static io.presplit.profile.LoadHistoryDescriptor.LEVEL_COUNT_OFFSET;
import static io.presplit.profile.LoadHistoryDescriptor.MAGIC;
import static io.presplit.profile.LoadHistoryDescriptor.MAGIC_OFFSET;
import static io.presplit.profile.LoadHistoryDescriptor.MAX_LEVELS;
import static io.presplit.profile.LoadHistoryDescriptor.REGION_ALIGNMENT;
import static io.presplit.profile.LoadHistoryDescriptor.RESOURCE_COUNT_OFFSET;
import static io.presplit.profile.LoadHistoryDescriptor.SLOT_CAPACITY_OFFSET;
import static io.presplit.profile.LoadHistoryDescriptor.TICK_COUNT_OFFSET;
import static io.presplit.profile.LoadHistoryDescriptor.VERSION;
import static io.presplit.profile.LoadHistoryDescriptor.VERSION_OFFSET;
import static io.presplit.profile.LoadHistoryDescriptor.BLOCK_ROW_STRIDE;
import static io.presplit.profile.LoadHistoryDescriptor.BLOCK_SHIFT;
import static io.presplit.profile.LoadHistoryDescriptor.BLOCK_SLOTS;

import io.presplit.keyspace.KeySpace;
import io.presplit.memory.FileSpace;
import io.presplit.memory.NativeMemory;
import io.presplit.memory.NativeRegion;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The load history: per partition slot and resource, one row per tick, rolled up into coarser levels (for
 * example tick, minute, hour), each level with its own retention; kept in columns (layout and file format:
 * {@link LoadHistoryDescriptor}), in native memory or memory-mapped from a file that survives restart.
 * <p>
 * Roll-ups: level {@code l} has {@code ticksPerRow(l)} ticks per row; its row is the sum of the tick loads it
 * spans, so a minute row holds points per minute. Level 0 has one tick per row. A row of level {@code l > 0} is
 * accumulated in place while its ticks complete (in the ring position after the retained rows) and is complete
 * when the tick count reaches a multiple of {@code ticksPerRow(l)}.
 * <p>
 * Level 0 (format version 3) is kept tick-major inside blocks of 512 slots: a tick's rows of 512 neighbouring slots
 * are one 4 KiB run, so a tick in which many slots take load writes whole lines in address order (3/8 of a line
 * per slot for the three resources, where version 2 rewrote a line per slot and resource). It is exact in place:
 * before the first row of a word of 64 slots is written in a tick, the word's lines at that ring position that still
 * hold the rows of a ring ago (a mask bit per line says which) are zeroed, unless the word is written whole, and
 * completing a tick zeroes those of the words nothing was written in; rows of slots that took no load thus read as
 * zero with no per-slot rule. Above level 0 rows are lazy: a slot's rows after its last touched tick read as zero
 * without being written, and the writer zeroes the ring positions it skipped when it next touches the slot. A tick
 * adds to level 1's open row alone (with the last touched tick, a 32-byte tick state, kept only when there are levels
 * above 0); higher levels' open rows are level 1's plus partial sums that change when a level-1 row closes (version
 * 4). Bucket loads are 16 {@code float}s, one line per slot, decayed by
 * {@code decay^(ticks since their as-of tick)} when counts are added or they are read; the profiler adds counts every
 * tick or every few ticks ({@link ProfilerAgent.Context#bucketFoldTicks(int)}). Their relative error stays below
 * {@code 2^-23 / (1 - decay)} (two roundings a tick, older ones decayed), which does not move the split points
 * chosen from their shares. A row's length follows from the slot's first tick (kept apart, in the slot starts).
 * Completing a tick is O(blocks), reading a mask word per block not yet cleaned and zeroing the lines a ring old;
 * rolling a level up is O(1).
 * <p>
 * Window queries (sum, mean, max, quantile) and the per-bucket distribution read the latest rows of a level;
 * sum, max and the NaN scan of the quantile use the Vector API with a scalar tail above level 0. At level 0 a slot's
 * window is strided (one double per row, each in its own line), and the sum and maximum are scalar loops: a vector
 * load there would carry seven other slots' values. <b>NaN rule:</b> recorded load
 * is a count and never NaN; a NaN that a caller seeds propagates: sum, mean, max and quantile of a window holding
 * a NaN are NaN, and a NaN bucket load makes the whole distribution NaN. The maximum treats -0.0 and 0.0 as equal
 * (either may be returned); loads are never negative.
 * <p>
 * Threading: one writer (the profiler, which also runs lineage seeding on the control thread in this version);
 * {@link #completeTick()} publishes a tick with a volatile store of the tick count, and readers on other threads
 * read the tick count first. Writing rows and window queries allocate nothing.
 * <p>
 * Durability: a file-backed history is the page cache's until {@link #flush()} or {@link #close()}; a crash loses
 * at most the ticks since the last flush, and the rows of an unpublished tick are overwritten by the next one.
 */
public final class LoadHistory implements AutoCloseable {
    /** Owner tag of in-memory histories' native memory. */
    public static final String MEMORY_OWNER = "LoadHistory";

    private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
    /** The doubles' bit patterns, as many lanes as {@link #SPECIES}: the window maximum compares them. */
    private static final VectorSpecies<Long> BITS = LongVector.SPECIES_PREFERRED;
    /** One 64-byte line of a level-0 row: eight slots' values of one tick. */
    private static final VectorSpecies<Double> LINE = DoubleVector.SPECIES_512;
    private static final DoubleVector ZERO_LINE = DoubleVector.zero(LINE);
    /** One slot's bucket loads: 16 floats, one line. */
    private static final VectorSpecies<Float> BUCKET_LOADS = FloatVector.SPECIES_512;
    /** Eight of the fold's bucket deltas as ints, and the eight float loads they add to. */
    private static final VectorSpecies<Integer> BUCKET_DELTAS = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> BUCKET_HALF = FloatVector.SPECIES_256;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE.withOrder(ORDER);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG.withOrder(ORDER);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT.withOrder(ORDER);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT.withOrder(ORDER);
    private static final ValueLayout.OfLong LONG_UNALIGNED = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ORDER);
    private static final ValueLayout.OfInt INT_UNALIGNED = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ORDER);
    private static final ValueLayout.OfDouble DOUBLE_UNALIGNED = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ORDER);
    private static final int RESOURCE_COUNT = Resource.VALUES.length;
    /** Slots per word of the fold's dirty flags, whose rows {@link #writeTickWord} writes together. */
    private static final int WORD_SLOTS = Long.SIZE;
    private static final int WORD_SHIFT = Integer.numberOfTrailingZeros(WORD_SLOTS);
    /** Level-0 lines (eight rows each) per word of slots, and words per block of 512 slots. */
    private static final int LINES_PER_WORD = WORD_SLOTS / LoadHistoryDescriptor.LINE_SLOTS;
    private static final int WORDS_PER_BLOCK = BLOCK_SLOTS / WORD_SLOTS;
    /** Mask bits of one word's lines, at the block's first word. */
    private static final long LINES_OF_WORD = (1L << LINES_PER_WORD) - 1;
    private static final int DECAY_POWERS = 256;
    /** Vectors per iteration of the window aggregations' main loop, reduced to a scalar within it. */
    private static final int SPAN_UNROLL = 4;
    /** Vectors per iteration of the window maximum's main loop, reduced once: twice the sum's (measured). */
    private static final int SPAN_MAX_UNROLL = 8;
    /** Level-0 rows (one line each) per iteration of a strided window aggregation. */
    private static final int LANE_UNROLL = 4;

    /** One roll-up level: ticks per row and rows kept. */
    public record Level(int ticksPerRow, int rowsRetained) {
        /** Checks the shape. */
        public Level {
            if (ticksPerRow < 1 || rowsRetained < 1) {
                throw new IllegalArgumentException("invalid load history level [ticksPerRow=" + ticksPerRow
                    + ", rowsRetained=" + rowsRetained + "]");
            }
        }
    }

    private final int slotCapacity;
    private final double bucketDecay;
    private final int levelCount;
    private final int[] ticksPerRow;
    private final int[] rowsRetained;
    /** Ring positions per slot and level: rows retained + 1 (the row in progress). */
    private final int[] ringRows;
    /** {@code bucketDecay^k} for small k, the decay of a slot untouched for k ticks. */
    private final double[] decayPowers = new double[DECAY_POWERS];
    private final LoadHistoryDescriptor.Regions regions;
    private final MemorySegment memory;
    private final NativeRegion region;
    private final Arena arena;
    private final FileChannel channel;
    private volatile long tickCount;
    private boolean isClosed;
    /*
     * The tick in progress, precomputed when it begins so that writing a slot's row needs no division (writer
     * thread only): its level-0 ring position, and per level its row and that row's first tick.
     */
    private final long[] tickSeriesOffset = new long[RESOURCE_COUNT];
    /** Level-0 blocks of 512 slots, and the bytes between one block's rows and the next block's (a whole ring). */
    private final int blockCount;
    private final long blockRingBytes;
    private int tickPosition;
    /** Byte offset of the tick in progress's row within a block's ring, and of its line masks. */
    private long tickRowOffset;
    private long tickMasksOffset;
    /**
     * Words of 64 slots {@code [0, cleanedWordBound)} have had the stale lines of the tick in progress zeroed (writer
     * thread): their rows may be written; a word at or above it is cleaned before its first row is written.
     */
    private int cleanedWordBound;
    /** Words of 64 slots: {@code ceil(slotCapacity / 64)}. */
    private final int wordCount;
    private final long[] currentRow;
    /**
     * For the tick in progress: the ring position of level 1's previous row, the tick it started, and whether a slot
     * last touched in it closes level 1 alone (the tick starts no level-2 row, and there is a previous row), so that
     * a dense word's closes on a row's first tick need no call, no division and no loop over levels.
     */
    private int previousRowPosition;
    private long previousRowStartTick;
    private boolean isLevelOneBoundaryOnly;
    /** A row of every resource carried up the levels as they close ({@link #closeRows}). Writer thread. */
    private final double[] closedRow = new double[RESOURCE_COUNT];
    private final long[] currentRowStartTick;

    /**
     * An in-memory history with one level of {@code ticksRetained} ticks and no roll-ups.
     *
     * @param slotCapacity  number of partition slots.
     * @param ticksRetained ticks kept per slot (the ring length).
     * @param bucketDecay   per-tick decay of the bucket loads, in (0, 1).
     */
    public LoadHistory(final int slotCapacity, final int ticksRetained, final double bucketDecay) {
        this(null, slotCapacity, bucketDecay, checkedLevels(slotCapacity, bucketDecay,
            new Level[] {new Level(1, Math.max(1, ticksRetained))}, ticksRetained));
    }

    private LoadHistory(final Path file, final int slotCapacity, final double bucketDecay, final Level[] levels) {
        this.slotCapacity = slotCapacity;
        this.bucketDecay = bucketDecay;
        this.levelCount = levels.length;
        this.ticksPerRow = new int[levelCount];
        this.rowsRetained = new int[levelCount];
        this.ringRows = new int[levelCount];
        for (int l = 0; l < levelCount; l++) {
            ticksPerRow[l] = levels[l].ticksPerRow();
            rowsRetained[l] = levels[l].rowsRetained();
            ringRows[l] = LoadHistoryDescriptor.ringRows(rowsRetained[l]);
        }
        decayPowers[0] = 1;
        for (int k = 1; k < DECAY_POWERS; k++) {
            decayPowers[k] = decayPowers[k - 1] * bucketDecay;
        }
        this.regions = new LoadHistoryDescriptor.Regions(slotCapacity, RESOURCE_COUNT, rowsRetained);
        for (int r = 0; r < RESOURCE_COUNT; r++) {
            tickSeriesOffset[r] = regions.seriesOffset[0][r];
        }
        this.blockCount = LoadHistoryDescriptor.blockCount(slotCapacity);
        this.wordCount = (slotCapacity + WORD_SLOTS - 1) >>> WORD_SHIFT;
        this.blockRingBytes = (long) ringRows[0] * BLOCK_ROW_STRIDE;
        this.currentRow = new long[levelCount];
        this.currentRowStartTick = new long[levelCount];
        if (file == null) {
            this.region = NativeMemory.allocate(MEMORY_OWNER, regions.totalLength, HEADER_LENGTH);
            this.memory = region.segment();
            this.arena = null;
            this.channel = null;
            writeHeader();
        } else {
            this.region = null;
            FileChannel opened = null;
            Arena mapping = null;
            boolean isCreated = false;
            boolean isNew = false;
            try {
                isCreated = !Files.exists(file);
                isNew = isCreated || Files.size(file) == 0;
                opened = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
                if (isNew) {
                    // Blocks reserved now, or a full disk would fault a store through the mapping mid-tick.
                    FileSpace.reserve(file, regions.totalLength);
                } else {
                    checkVersion(opened, file);
                }
                if (!isNew && opened.size() != regions.totalLength) {
                    throw new IllegalArgumentException("load history file has another shape [file=" + file
                        + ", lengthBytes=" + opened.size() + ", expectedLengthBytes=" + regions.totalLength + "]");
                }
                if (!isNew) {
                    // A file an earlier version made is sparse: its holes get their blocks now, not mid-tick.
                    FileSpace.reserve(file, regions.totalLength);
                }
                mapping = Arena.ofShared();
                this.memory = opened.map(FileChannel.MapMode.READ_WRITE, 0, regions.totalLength, mapping);
                if (isNew) {
                    writeHeader();
                } else {
                    checkHeader(file);
                    this.tickCount = memory.get(LONG, TICK_COUNT_OFFSET);
                }
            } catch (final IOException ex) {
                final UncheckedIOException failure = new UncheckedIOException("cannot open load history [file="
                    + file + ", lengthBytes=" + regions.totalLength + "]: " + ex.getMessage(), ex);
                releaseAfterFailure(mapping, opened, failure);
                discardNewFile(file, isCreated, isNew, failure);
                throw failure;
            } catch (final RuntimeException | Error ex) {
                releaseAfterFailure(mapping, opened, ex);
                discardNewFile(file, isCreated, isNew, ex);
                throw ex;
            }
            this.arena = mapping;
            this.channel = opened;
        }
        beginTick(tickCount);
    }

    /**
     * An in-memory history with the given levels (level 0 must have one tick per row).
     *
     * @param slotCapacity number of partition slots.
     * @param bucketDecay  per-tick decay of the bucket loads, in (0, 1).
     * @param levels       roll-up levels, finest first, each a whole multiple of the previous one.
     */
    public static LoadHistory inMemory(final int slotCapacity, final double bucketDecay, final Level... levels) {
        return new LoadHistory(null, slotCapacity, bucketDecay, checkedLevels(slotCapacity, bucketDecay, levels, 1));
    }

    /**
     * Opens the history persisted in {@code file}, or creates it. Reopening checks the magic number, the version
     * and that the shape (slots, levels, decay) is the one asked for. Cold path.
     *
     * @throws IllegalArgumentException when the file holds another shape or is not a load history.
     */
    public static LoadHistory open(
        final Path file, final int slotCapacity, final double bucketDecay, final Level... levels) {
        return new LoadHistory(file, slotCapacity, bucketDecay, checkedLevels(slotCapacity, bucketDecay, levels, 1));
    }

    /**
     * Opens an existing history file with the shape its header records (for tools that did not create it).
     * Cold path.
     *
     * @throws IllegalArgumentException when the file is missing, too short or not a load history.
     */
    public static LoadHistory openExisting(final Path file) {
        final byte[] header;
        try {
            if (!Files.isRegularFile(file) || Files.size(file) < HEADER_LENGTH) {
                throw new IllegalArgumentException("no load history file [file=" + file + "]");
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                final ByteBuffer buffer = ByteBuffer.allocate(HEADER_LENGTH);
                while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                    continue;
                }
                header = buffer.array();
            }
        } catch (final IOException ex) {
            throw new UncheckedIOException("cannot read load history header [file=" + file + "]", ex);
        }
        final MemorySegment shape = MemorySegment.ofArray(header);
        final long magic = shape.get(LONG_UNALIGNED, MAGIC_OFFSET);
        final int levelCount = shape.get(INT_UNALIGNED, LEVEL_COUNT_OFFSET);
        if (magic != MAGIC || levelCount < 1 || levelCount > MAX_LEVELS) {
            throw new IllegalArgumentException("not a load history [file=" + file + ", magic=0x"
                + Long.toHexString(magic) + ", levelCount=" + levelCount + "]");
        }
        final Level[] levels = new Level[levelCount];
        for (int l = 0; l < levelCount; l++) {
            levels[l] = new Level(shape.get(INT_UNALIGNED, LoadHistoryDescriptor.levelTicksPerRowOffset(l)),
                shape.get(INT_UNALIGNED, LoadHistoryDescriptor.levelRowsRetainedOffset(l)));
        }
        return open(file, shape.get(INT_UNALIGNED, SLOT_CAPACITY_OFFSET),
            shape.get(DOUBLE_UNALIGNED, BUCKET_DECAY_OFFSET), levels);
    }

    /** Number of completed ticks. */
    public long tickCount() {
        return tickCount;
    }

    /** Ticks kept per slot at level 0. */
    public int ticksRetained() {
        return rowsRetained[0];
    }

    /** Number of slots. */
    public int slotCapacity() {
        return slotCapacity;
    }

    /** Number of roll-up levels, the tick level included. */
    public int levelCount() {
        return levelCount;
    }

    /** Ticks per row of {@code level}. */
    public int ticksPerRow(final int level) {
        return ticksPerRow[level];
    }

    /** Rows kept per slot at {@code level}. */
    public int rowsRetained(final int level) {
        return rowsRetained[level];
    }

    /** Valid ticks of history for {@code slot}, at most {@link #ticksRetained()}. */
    public int length(final int slot) {
        return length(0, slot);
    }

    /** Valid rows of {@code level} for {@code slot}, at most {@link #rowsRetained(int)}. */
    public int length(final int level, final int slot) {
        final long start = memory.get(LONG, startOffset(slot)) - 1;
        if (start < 0) {
            return 0;
        }
        final long rows = tickCount / ticksPerRow[level] - start / ticksPerRow[level];
        return (int) Math.max(0, Math.min(rowsRetained[level], rows));
    }

    /**
     * The last tick whose load was written for {@code slot} (roll-up rows after its row read as zero), or a tick
     * before the slot's history when none was. Kept only when the history has roll-up levels: level 0 needs no
     * per-slot rule, and a history of ticks alone saves the fold the tick state. Any thread; written by the
     * writer after the tick's rows.
     */
    long lastTouchedTick(final int slot) {
        return memory.get(LONG, tickStateOffset(slot) + LoadHistoryDescriptor.LAST_TOUCHED_OFFSET);
    }

    /**
     * Starts the history of every slot in {@code [fromSlot, toSlot)} that has none, at the tick in progress: the
     * profiler calls it as slots come into use, so that their rows count (as zero) from then on even when they take
     * no load. Writer thread only; O(toSlot - fromSlot).
     */
    void startSlots(final int fromSlot, final int toSlot) {
        final MemorySegment memory = this.memory;
        final long started = tickCount + 1;
        for (int slot = fromSlot; slot < toSlot; slot++) {
            final long offset = startOffset(slot);
            if (memory.get(LONG, offset) == 0) {
                memory.set(LONG, offset, started);
            }
        }
    }

    /**
     * Writes the row of the tick in progress for {@code slot} and adds it to the roll-up rows in progress; starts
     * the slot's history if it has none. Writer thread only. Allocation-free; O(levels) when the slot was touched in
     * the previous tick, plus the zeroing of the rows it skipped otherwise.
     *
     * @param bucketPoints ingest points per key bucket in this tick (length {@link KeySpace#BUCKET_COUNT}).
     */
    public void writeRow(
        final int slot, final double points, final double bytes, final double queryCost, final long[] bucketPoints) {
        final long start = startOffset(slot);
        if (memory.get(LONG, start) == 0) {
            memory.set(LONG, start, tickCount + 1);
        }
        writeTickRow(slot, points, bytes, queryCost);
        final double decay = decayPower(tickCount - bucketsAsOf(slot));
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            setBucketLoad(slot, b, storedBucketLoad(slot, b) * decay + bucketPoints[b]);
        }
        setBucketsAsOf(slot, tickCount);
    }

    /**
     * Writes the level-0 row of the tick in progress and adds it to level 1's open roll-up row, which every higher
     * level's includes: when the tick starts a later level-1 row than the slot's open one, the rows that closed are
     * written to their ring positions first and the positions of the rows skipped since are zeroed; the slot's last
     * touched tick becomes the tick in progress. Touches one position per level-0 column, and, when the history has
     * roll-up levels, the slot's tick state (and the roll-up state and columns when a row closes). The profiler's fold
     * calls it for {@link #writeRow}'s rows without bucket counts (those go to {@link #addBucketCounts}). Writer
     * thread only. Allocation-free.
     */
    void writeTickRow(final int slot, final double points, final double bytes, final double queryCost) {
        final MemorySegment memory = this.memory;
        final long[] tickSeriesOffset = this.tickSeriesOffset;
        // Level 0: the block's stale lines of this position are zeroed before its first row is written (so that rows
        // skipped since the last touch read as zero), then the row and its line's mask bit.
        final int word = slot >>> WORD_SHIFT;
        if (word >= cleanedWordBound) {
            cleanWordsThrough(word + 1);
        }
        final int block = slot >>> BLOCK_SHIFT;
        final long at = block * blockRingBytes + tickRowOffset + (long) (slot & (BLOCK_SLOTS - 1)) * Double.BYTES;
        // A zero needs no store: the line was zeroed when this position was cleaned (an ingest-only slot leaves its
        // query-cost line untouched, a query-only slot its ingest lines).
        if (points != 0 || bytes != 0) {
            memory.set(DOUBLE, tickSeriesOffset[0] + at, points);
            memory.set(DOUBLE, tickSeriesOffset[1] + at, bytes);
        }
        if (queryCost != 0) {
            memory.set(DOUBLE, tickSeriesOffset[2] + at, queryCost);
        }
        final long bit = lineBit(slot);
        final long masksAt = tickMasksOffset + (long) block * LoadHistoryDescriptor.LINE_MASKS_LENGTH;
        if (points != 0 || bytes != 0) {
            markLine(masksAt + LoadHistoryDescriptor.INGEST_MASK_OFFSET, bit);
        }
        if (queryCost != 0) {
            markLine(masksAt + LoadHistoryDescriptor.QUERY_MASK_OFFSET, bit);
        }
        if (levelCount > 1) {
            addToOpenRows(slot, points, bytes, queryCost);
        }
    }

    /**
     * Writes the level-0 rows of the tick in progress for the 64 slots of word {@code word} (slots
     * {@code 64 word .. 64 word + 63}) as whole lines: the ingest columns from {@code points} and {@code bytes} (lane
     * i = slot 64 word + i; the caller leaves 0 in the lanes of slots without ingest) when {@code ingestRows} selects
     * any slot; the query-cost column from {@code queryCost} the same way when {@code queryRows} does. A column none
     * of whose rows is selected is left as it is (cleaned of a ring-old row if it held one), so a word of ingest
     * alone never touches the query-cost lines. Writing whole lines, the word needs no zeroing first (zeroing a line
     * a ring old, then storing each slot's value into it, read the line from memory before overwriting it). Then,
     * when the history has roll-up levels, each selected slot's row is added to its open rows as {@link #writeTickRow}
     * does. For the fold's dense words; the words must come in increasing order within a tick and after any
     * {@link #writeTickRow} of a lower slot, as rows do. Writer thread only. Allocation-free.
     */
    void writeTickWord(
        final int word, final long ingestRows, final long queryRows, final double[] points, final double[] bytes,
        final double[] queryCost) {
        if (word > cleanedWordBound) {
            cleanWordsThrough(word);
        }
        final MemorySegment memory = this.memory;
        final long[] tickSeriesOffset = this.tickSeriesOffset;
        final int block = word >>> (BLOCK_SHIFT - WORD_SHIFT);
        final int lineShift = (word & (WORDS_PER_BLOCK - 1)) * LINES_PER_WORD;
        final long wordLines = LINES_OF_WORD << lineShift;
        final long row = block * blockRingBytes + tickRowOffset + (long) lineShift * REGION_ALIGNMENT;
        final long masksAt = tickMasksOffset + (long) block * LoadHistoryDescriptor.LINE_MASKS_LENGTH;
        final long ingestMaskAt = masksAt + LoadHistoryDescriptor.INGEST_MASK_OFFSET;
        final long queryMaskAt = masksAt + LoadHistoryDescriptor.QUERY_MASK_OFFSET;
        if (ingestRows != 0) {
            // Bulk copies of whole lines: no zeroing first, and no Vector API shapes that a compiler may box.
            MemorySegment.copy(points, 0, memory, DOUBLE, row + tickSeriesOffset[Resource.INGEST_POINTS.ordinal()],
                WORD_SLOTS);
            MemorySegment.copy(bytes, 0, memory, DOUBLE, row + tickSeriesOffset[Resource.INGEST_BYTES.ordinal()],
                WORD_SLOTS);
            memory.set(LONG, ingestMaskAt, memory.get(LONG, ingestMaskAt) | wordLines);
        } else {
            cleanLines(ingestMaskAt, wordLines, row - (long) lineShift * REGION_ALIGNMENT,
                tickSeriesOffset[Resource.INGEST_POINTS.ordinal()], tickSeriesOffset[Resource.INGEST_BYTES.ordinal()]);
        }
        if (queryRows != 0) {
            MemorySegment.copy(queryCost, 0, memory, DOUBLE, row + tickSeriesOffset[Resource.QUERY_COST.ordinal()],
                WORD_SLOTS);
            memory.set(LONG, queryMaskAt, memory.get(LONG, queryMaskAt) | wordLines);
        } else {
            cleanLines(queryMaskAt, wordLines, row - (long) lineShift * REGION_ALIGNMENT,
                tickSeriesOffset[Resource.QUERY_COST.ordinal()], -1);
        }
        cleanedWordBound = word + 1;
        if (levelCount > 1 && ingestRows == -1L && (queryRows == 0 || queryRows == -1L)) {
            addWordToOpenRows(word << WORD_SHIFT, points, bytes, queryRows == 0 ? null : queryCost);
        } else if (levelCount > 1) {
            final int firstSlot = word << WORD_SHIFT;
            for (long rows = ingestRows | queryRows; rows != 0; rows &= rows - 1) {
                final int lane = Long.numberOfTrailingZeros(rows);
                final boolean isIngest = (ingestRows >>> lane & 1) != 0;
                addToOpenRows(firstSlot + lane, isIngest ? points[lane] : 0, isIngest ? bytes[lane] : 0,
                    (queryRows >>> lane & 1) != 0 ? queryCost[lane] : 0);
            }
        }
    }

    /**
     * {@link #addToOpenRows} for the 64 slots from {@code firstSlot} when every one took ingest, and every one or none
     * ({@code queryCost} null) took queries: the fold's dense words. One counted pass over their 2 KiB of tick states,
     * without a slot's kind tests or, when no query came, the query column's add of zero (measured: the engine's
     * three levels 22.1-23.0 against 24.3-25.1 ms median with every slot loaded, docs/BENCHMARKS.md).
     */
    private void addWordToOpenRows(
        final int firstSlot, final double[] points, final double[] bytes, final double[] queryCost) {
        final MemorySegment memory = this.memory;
        final long rowStart = currentRowStartTick[1];
        final long tick = tickCount;
        final int length = regions.tickStateLength;
        final long queryOpen = LoadHistoryDescriptor.openRowOffset(Resource.QUERY_COST.ordinal());
        long state = tickStateOffset(firstSlot);
        for (int lane = 0; lane < WORD_SLOTS; lane++, state += length) {
            final long open = state + LoadHistoryDescriptor.OPEN_ROW_OFFSET;
            final double query = queryCost == null ? 0 : queryCost[lane];
            final long lastTouched = memory.get(LONG, state + LoadHistoryDescriptor.LAST_TOUCHED_OFFSET);
            if (lastTouched < rowStart) {
                if (lastTouched >= previousRowStartTick && isLevelOneBoundaryOnly) {
                    closePreviousRow(firstSlot + lane, open);
                } else {
                    closeRows(firstSlot + lane, lastTouched);
                }
                memory.set(DOUBLE, open, points[lane]);
                memory.set(DOUBLE, open + Double.BYTES, bytes[lane]);
                memory.set(DOUBLE, state + queryOpen, query);
            } else {
                memory.set(DOUBLE, open, memory.get(DOUBLE, open) + points[lane]);
                memory.set(DOUBLE, open + Double.BYTES, memory.get(DOUBLE, open + Double.BYTES) + bytes[lane]);
                if (queryCost != null) {
                    memory.set(DOUBLE, state + queryOpen, memory.get(DOUBLE, state + queryOpen) + query);
                }
            }
            memory.set(LONG, state + LoadHistoryDescriptor.LAST_TOUCHED_OFFSET, tick);
        }
    }

    /**
     * {@link #closeRows} for the common close: level 1's previous row, nothing skipped, level 2's row still open. Kept
     * apart and called only from the dense loop of {@link #addWordToOpenRows}: the same fast path inside
     * {@link #closeRows} gained nothing, because the call from that loop's rarely taken branch was the cost, and in the
     * one-slot path a close waits on its ring line's miss anyway (docs/BENCHMARKS.md, "Profiler, tenth pass").
     */
    private void closePreviousRow(final int slot, final long open) {
        final MemorySegment memory = this.memory;
        final long at = ((long) slot * ringRows[1] + previousRowPosition) * Double.BYTES;
        final long rollUps = rollUpStateOffset(slot);
        for (int r = 0; r < RESOURCE_COUNT; r++) {
            final double row = memory.get(DOUBLE, open + (long) r * Double.BYTES);
            memory.set(DOUBLE, regions.seriesOffset[1][r] + at, row);
            if (levelCount > 2) {
                final long sum = rollUps + LoadHistoryDescriptor.rollUpOffset(2, r, RESOURCE_COUNT);
                memory.set(DOUBLE, sum, memory.get(DOUBLE, sum) + row);
            }
        }
    }

    /**
     * Adds a tick's row to {@code slot}'s open level-1 row, which every higher level's open row includes (spec
     * 004): a tick rewrites the slot's 32-byte tick state alone. When the tick starts a later level-1 row than the
     * slot's open one, the rows that closed are written first ({@link #closeRows}); the slot's last touched tick
     * becomes the tick in progress. Level 0 needs no state: a history of ticks alone never calls it.
     */
    private void addToOpenRows(final int slot, final double points, final double bytes, final double queryCost) {
        final MemorySegment memory = this.memory;
        final long state = tickStateOffset(slot);
        final long lastTouched = memory.get(LONG, state + LoadHistoryDescriptor.LAST_TOUCHED_OFFSET);
        final long open = state + LoadHistoryDescriptor.OPEN_ROW_OFFSET;
        if (lastTouched < currentRowStartTick[1]) {
            closeRows(slot, lastTouched);
            memory.set(DOUBLE, open, points);
            memory.set(DOUBLE, open + Double.BYTES, bytes);
            memory.set(DOUBLE, open + 2 * Double.BYTES, queryCost);
        } else {
            memory.set(DOUBLE, open, memory.get(DOUBLE, open) + points);
            memory.set(DOUBLE, open + Double.BYTES, memory.get(DOUBLE, open + Double.BYTES) + bytes);
            memory.set(DOUBLE, open + 2 * Double.BYTES, memory.get(DOUBLE, open + 2 * Double.BYTES) + queryCost);
        }
        memory.set(LONG, state + LoadHistoryDescriptor.LAST_TOUCHED_OFFSET, tickCount);
    }

    /**
     * Closes the open rows of {@code slot} last touched at {@code lastTouched}, from level 1 up while the tick in
     * progress starts a later row of the level: each closed row (level 1's open row plus the roll-up state's partial
     * sums up to its level) goes to its ring position, the positions skipped since are zeroed, and the closed rows are
     * added into the partial sum of the first level whose row is still open. Writer thread; once per level-1 row per
     * slot. Allocation-free (the carried row is a scratch array of the writer).
     */
    private void closeRows(final int slot, final long lastTouched) {
        final MemorySegment memory = this.memory;
        final double[] carry = closedRow;
        final long open = tickStateOffset(slot) + LoadHistoryDescriptor.OPEN_ROW_OFFSET;
        final long rollUps = rollUpStateOffset(slot);
        for (int r = 0; r < RESOURCE_COUNT; r++) {
            carry[r] = memory.get(DOUBLE, open + (long) r * Double.BYTES);
        }
        for (int l = 1; l < levelCount; l++) {
            if (l > 1) {
                for (int r = 0; r < RESOURCE_COUNT; r++) {
                    final long at = rollUps + LoadHistoryDescriptor.rollUpOffset(l, r, RESOURCE_COUNT);
                    if (lastTouched < currentRowStartTick[l]) {
                        carry[r] += memory.get(DOUBLE, at);
                        memory.set(DOUBLE, at, 0.0);
                    } else {
                        // Level l's row is still open: it keeps the closed rows below it.
                        memory.set(DOUBLE, at, memory.get(DOUBLE, at) + carry[r]);
                    }
                }
            }
            if (lastTouched >= currentRowStartTick[l]) {
                return;
            }
            writeClosedRow(slot, l, Math.floorDiv(lastTouched, ticksPerRow[l]), currentRow[l], carry);
        }
    }

    /** Precomputes the ring position and roll-up rows of tick {@code tick}, the one now in progress. */
    private void beginTick(final long tick) {
        tickPosition = (int) (tick % ringRows[0]);
        tickRowOffset = (long) tickPosition * BLOCK_ROW_STRIDE;
        tickMasksOffset = regions.lineMasksOffset
            + (long) tickPosition * blockCount * LoadHistoryDescriptor.LINE_MASKS_LENGTH;
        cleanedWordBound = 0;
        for (int l = 0; l < levelCount; l++) {
            currentRow[l] = tick / ticksPerRow[l];
            currentRowStartTick[l] = currentRow[l] * ticksPerRow[l];
        }
        if (levelCount > 1) {
            previousRowPosition = (int) Math.floorMod(currentRow[1] - 1, ringRows[1]);
            previousRowStartTick = currentRowStartTick[1] - ticksPerRow[1];
            isLevelOneBoundaryOnly = currentRow[1] > 0
                && (levelCount == 2 || currentRowStartTick[1] != currentRowStartTick[2]);
        }
    }

    /**
     * Zeroes, in words of 64 slots {@code [cleanedWordBound, endWord)}, the level-0 lines of the tick in progress's
     * position that hold rows of an older tick (their mask bits: the ingest columns' and the query column's apart, so
     * that ingest alone never costs the query column's lines), and clears those bits; raises the bound. Writer thread.
     * Allocation-free; reads the two mask words of each block it reaches once per call and writes only lines that
     * were written a ring ago.
     */
    private void cleanWordsThrough(final int endWord) {
        final long[] tickSeriesOffset = this.tickSeriesOffset;
        final long ingestPoints = tickSeriesOffset[Resource.INGEST_POINTS.ordinal()];
        final long ingestBytes = tickSeriesOffset[Resource.INGEST_BYTES.ordinal()];
        final long query = tickSeriesOffset[Resource.QUERY_COST.ordinal()];
        int word = cleanedWordBound;
        while (word < endWord) {
            final int block = word >>> (BLOCK_SHIFT - WORD_SHIFT);
            final long masksAt = tickMasksOffset + (long) block * LoadHistoryDescriptor.LINE_MASKS_LENGTH;
            final int blockEnd = Math.min(endWord, (block + 1) << (BLOCK_SHIFT - WORD_SHIFT));
            // The lines of words [word, blockEnd) of this block.
            final int firstWord = block << (BLOCK_SHIFT - WORD_SHIFT);
            final long lines = lineRange(word - firstWord, blockEnd - firstWord);
            final long row = block * blockRingBytes + tickRowOffset;
            cleanLines(masksAt + LoadHistoryDescriptor.INGEST_MASK_OFFSET, lines, row, ingestPoints, ingestBytes);
            cleanLines(masksAt + LoadHistoryDescriptor.QUERY_MASK_OFFSET, lines, row, query, -1);
            word = blockEnd;
        }
        if (endWord > cleanedWordBound) {
            cleanedWordBound = endWord;
        }
    }

    /** The level-0 line mask bits of words {@code [fromWord, toWord)} of a block (word indices within it, 0..8). */
    private static long lineRange(final int fromWord, final int toWord) {
        final long below = toWord == WORDS_PER_BLOCK ? -1L : (1L << (toWord * LINES_PER_WORD)) - 1;
        return below & -(1L << (fromWord * LINES_PER_WORD));
    }

    /**
     * Zeroes the lines of one block row that {@code lines} selects and whose bits the mask word at {@code maskAt} has
     * set, in one or two level-0 columns ({@code secondColumn} negative for one), then clears those bits.
     */
    private void cleanLines(
        final long maskAt, final long lines, final long row, final long firstColumn, final long secondColumn) {
        final MemorySegment memory = this.memory;
        final long mask = memory.get(LONG, maskAt);
        final long stale = mask & lines;
        if (stale == 0) {
            return;
        }
        for (long left = stale; left != 0; left &= left - 1) {
            final long line = row + (long) Long.numberOfTrailingZeros(left) * REGION_ALIGNMENT;
            ZERO_LINE.intoMemorySegment(memory, firstColumn + line, ORDER);
            if (secondColumn >= 0) {
                ZERO_LINE.intoMemorySegment(memory, secondColumn + line, ORDER);
            }
        }
        memory.set(LONG, maskAt, mask & ~stale);
    }

    /** The bit of {@code slot}'s line in its block's level-0 line mask. */
    private static long lineBit(final int slot) {
        return 1L << ((slot & (BLOCK_SLOTS - 1)) >>> LoadHistoryDescriptor.LINE_SHIFT);
    }

    /** Byte offset, within a level-0 column, of {@code slot}'s row at ring position {@code position}. */
    private long tickOffset(final int slot, final int position) {
        return (slot >>> BLOCK_SHIFT) * blockRingBytes + (long) position * BLOCK_ROW_STRIDE
            + (long) (slot & (BLOCK_SLOTS - 1)) * Double.BYTES;
    }

    /** Sets {@code bit} in the mask word at {@code maskAt}: its line may now hold a nonzero row. */
    private void markLine(final long maskAt, final long bit) {
        final long mask = memory.get(LONG, maskAt);
        if ((mask & bit) == 0) {
            memory.set(LONG, maskAt, mask | bit);
        }
    }

    /** Sets the mask bits of {@code slot}'s level-0 lines at {@code position}, all columns: they may hold rows. */
    private void markLines(final int slot, final int position) {
        final long masksAt = regions.lineMasksOffset
            + ((long) position * blockCount + (slot >>> BLOCK_SHIFT)) * LoadHistoryDescriptor.LINE_MASKS_LENGTH;
        markLine(masksAt + LoadHistoryDescriptor.INGEST_MASK_OFFSET, lineBit(slot));
        markLine(masksAt + LoadHistoryDescriptor.QUERY_MASK_OFFSET, lineBit(slot));
    }

    /**
     * Writes {@code row} as level {@code level}'s row {@code openRow} of {@code slot} to its ring position and zeroes
     * the positions of the rows after it, before {@code nextRow} (at most the ring). Writer thread; rare: once per row
     * of the level per slot.
     */
    private void writeClosedRow(
        final int slot, final int level, final long openRow, final long nextRow, final double[] row) {
        final int positions = ringRows[level];
        final long slotBase = (long) slot * positions * Double.BYTES;
        final long skipped = Math.min(nextRow - openRow - 1, positions);
        for (int r = 0; r < RESOURCE_COUNT; r++) {
            final long column = regions.seriesOffset[level][r] + slotBase;
            if (openRow >= 0) {
                memory.set(DOUBLE, column + (openRow % positions) * Double.BYTES, row[r]);
            }
            if (skipped > 0) {
                zeroRing(column, (int) ((nextRow - skipped) % positions), (int) skipped, positions);
            }
        }
    }

    /** Zeroes {@code count} ring positions from {@code first}, wrapping at {@code positions}. Allocation-free. */
    private void zeroRing(final long slotBase, final int first, final int count, final int positions) {
        final MemorySegment memory = this.memory;
        int position = first;
        for (int i = 0; i < count; i++) {
            memory.set(LONG, slotBase + (long) position * Double.BYTES, 0L);
            if (++position == positions) {
                position = 0;
            }
        }
    }

    /**
     * Reads one word of every cache line that writing {@code slot}'s row of the tick in progress touches (the line of
     * each ingest column of level 0 at the tick's position; the tick state when the history has roll-ups) and, when
     * {@code isBucketFold}, the lines adding bucket counts touches (buckets-as-of tick, bucket loads); returns their
     * bits summed, so that a caller can start the misses of several slots before writing any. Writer thread.
     * Allocation-free; no effect on the history.
     */
    long touchRow(final int slot, final boolean isTickRow, final boolean isBucketFold) {
        final MemorySegment memory = this.memory;
        long touch = 0;
        if (isTickRow) {
            final long at = tickOffset(slot, tickPosition);
            final long[] tickSeriesOffset = this.tickSeriesOffset;
            // The ingest columns: a query-cost line is written only for slots that took queries, the rarer case.
            touch += memory.get(LONG, tickSeriesOffset[Resource.INGEST_POINTS.ordinal()] + at)
                + memory.get(LONG, tickSeriesOffset[Resource.INGEST_BYTES.ordinal()] + at);
        }
        if (levelCount > 1 && isTickRow) {
            touch += memory.get(LONG, tickStateOffset(slot));
        }
        if (isBucketFold) {
            touch += memory.get(LONG, bucketsAsOfOffset(slot));
            touch += memory.get(LONG, regions.bucketsOffset + (long) slot * LoadHistoryDescriptor.BUCKET_LOADS_LENGTH);
        }
        return touch;
    }

    /**
     * Adds ingest points per key bucket to {@code slot}'s bucket loads, after decaying them from their as-of tick to
     * the tick in progress, which becomes their as-of tick: the profiler's fold calls it with the differences of the
     * recorder's 21-bit counters since it last added them (every tick, or every few ticks, see
     * {@link ProfilerAgent.Context#bucketFoldTicks(int)}), non-negative. Writer thread only. Allocation-free; touches
     * the slot's buckets-as-of tick and bucket-load line.
     */
    void addBucketCounts(final int slot, final int[] bucketDeltas) {
        final MemorySegment memory = this.memory;
        final long asOf = memory.get(LONG, bucketsAsOfOffset(slot));
        final long bucketBase = regions.bucketsOffset + (long) slot * LoadHistoryDescriptor.BUCKET_LOADS_LENGTH;
        // One line: 16 float loads, decayed and added to in float (see the class comment for the precision). In two
        // halves of eight, because the fold stored the deltas as two halves: one 512-bit load of two 256-bit stores
        // cannot be forwarded from the store buffer and waits for them to retire.
        final float decay = (float) decayPower(tickCount - asOf);
        final int half = BUCKET_DELTAS.length();
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b += half) {
            final long offset = bucketBase + (long) b * Float.BYTES;
            final FloatVector added = (FloatVector) IntVector.fromArray(BUCKET_DELTAS, bucketDeltas, b)
                .convertShape(VectorOperators.I2F, BUCKET_HALF, 0);
            FloatVector.fromMemorySegment(BUCKET_HALF, memory, offset, ORDER).mul(decay).add(added)
                .intoMemorySegment(memory, offset, ORDER);
        }
        memory.set(LONG, bucketsAsOfOffset(slot), tickCount);
    }

    /**
     * Publishes the rows written since the last call as one completed tick; a roll-up row whose last tick this is
     * becomes readable with it. Writer thread only. Allocation-free, O(1): untouched slots need no work.
     */
    public void completeTick() {
        // Blocks no row was written in this tick may still hold ring-old rows at this position: zero them first.
        cleanWordsThrough(wordCount);
        final long completed = tickCount + 1;
        memory.set(LONG, TICK_COUNT_OFFSET, completed);
        tickCount = completed;
        beginTick(completed);
    }

    /**
     * Load of {@code resource} in {@code slot}, {@code ticksAgo} ticks before the latest completed tick
     * (0 = the latest).
     */
    public double value(final Resource resource, final int slot, final int ticksAgo) {
        return value(0, resource, slot, ticksAgo);
    }

    /** Row of {@code level}, {@code rowsAgo} rows before its latest completed row (0 = the latest). */
    public double value(final int level, final Resource resource, final int slot, final int rowsAgo) {
        final int length = length(level, slot);
        if (rowsAgo < 0 || rowsAgo >= length) {
            throw new IllegalArgumentException("row out of history [level=" + level + ", slot=" + slot
                + ", rowsAgo=" + rowsAgo + ", length=" + length + "]");
        }
        return logicalRow(level, resource.ordinal(), slot, lastRow(level) - rowsAgo);
    }

    /**
     * Copies the last {@code count} ticks of {@code slot}, oldest first, into {@code out[0..count)}.
     * Allocation-free.
     */
    public void copySeries(final Resource resource, final int slot, final int count, final double[] out) {
        copySeries(0, resource, slot, count, out);
    }

    /** Copies the last {@code count} rows of {@code level}, oldest first, into {@code out[0..count)}. */
    public void copySeries(final int level, final Resource resource, final int slot, final int count,
        final double[] out) {
        checkWindow(level, slot, count);
        final long first = lastRow(level) - count + 1;
        final int r = resource.ordinal();
        for (int i = 0; i < count; i++) {
            out[i] = logicalRow(level, r, slot, first + i);
        }
    }

    /** Sum of the last {@code window} ticks of {@code slot}. Vectorized, allocation-free. */
    public double windowSum(final Resource resource, final int slot, final int window) {
        return aggregate(0, resource, slot, window, false);
    }

    /** Maximum of the last {@code window} ticks of {@code slot}. Vectorized, allocation-free. */
    public double windowMax(final Resource resource, final int slot, final int window) {
        return aggregate(0, resource, slot, window, true);
    }

    /** Mean of the last {@code window} ticks of {@code slot}. */
    public double windowMean(final Resource resource, final int slot, final int window) {
        return windowSum(resource, slot, window) / window;
    }

    /** Sum of the last {@code window} rows of {@code level}. Vectorized, allocation-free. */
    public double windowSum(final int level, final Resource resource, final int slot, final int window) {
        return aggregate(level, resource, slot, window, false);
    }

    /** Maximum of the last {@code window} rows of {@code level}. Vectorized, allocation-free. */
    public double windowMax(final int level, final Resource resource, final int slot, final int window) {
        return aggregate(level, resource, slot, window, true);
    }

    /** Mean of the last {@code window} rows of {@code level}. */
    public double windowMean(final int level, final Resource resource, final int slot, final int window) {
        return windowSum(level, resource, slot, window) / window;
    }

    /**
     * The {@code q}-quantile of the last {@code window} rows of {@code level}, nearest rank: the
     * {@code max(1, ceil(q * window))}-th smallest. NaN when the window holds a NaN. Allocation-free: works in the
     * caller's {@code scratch} (length at least {@code window}), whose contents it overwrites. Expected O(window).
     *
     * @param q in [0, 1].
     */
    public double windowQuantile(
        final int level, final Resource resource, final int slot, final int window, final double q,
        final double[] scratch) {
        if (!(q >= 0 && q <= 1) || scratch.length < window) {
            throw new IllegalArgumentException("invalid quantile query [q=" + q + ", window=" + window
                + ", scratchLength=" + scratch.length + "]");
        }
        copySeries(level, resource, slot, window, scratch);
        if (hasNan(scratch, window)) {
            return Double.NaN;
        }
        final int rank = Math.max(1, (int) Math.ceil(q * window));
        return select(scratch, window, rank - 1);
    }

    /** Decayed ingest points of {@code slot} in key bucket {@code bucket}. */
    public double bucketLoad(final int slot, final int bucket) {
        return storedBucketLoad(slot, bucket) * bucketDecaySince(slot, tickCount - 1);
    }

    /**
     * Writes the share of each key bucket in {@code slot}'s decayed ingest load into {@code out[0..BUCKET_COUNT)}:
     * each in [0, 1], summing to 1; all zero when the slot has no load; all NaN when a bucket load is NaN.
     * Vectorized, allocation-free.
     */
    public void bucketDistribution(final int slot, final double[] out) {
        final long base = regions.bucketsOffset + (long) slot * LoadHistoryDescriptor.BUCKET_LOADS_LENGTH;
        final FloatVector loads = FloatVector.fromMemorySegment(BUCKET_LOADS, memory, base, ORDER);
        // Widened to doubles, eight buckets a half; summed in double.
        final DoubleVector low = (DoubleVector) loads.convertShape(VectorOperators.F2D, LINE, 0);
        final DoubleVector high = (DoubleVector) loads.convertShape(VectorOperators.F2D, LINE, 1);
        final double total = low.add(high).reduceLanes(VectorOperators.ADD);
        // The decay since the as-of tick scales every bucket alike: it cancels in the shares unless it underflows.
        final double scale = total == 0 || bucketDecaySince(slot, tickCount - 1) == 0 ? 0 : 1 / total;
        low.mul(scale).intoArray(out, 0);
        high.mul(scale).intoArray(out, LINE.length());
    }

    /**
     * Starts the history of a split child as {@code share} of its parent's at every level, so that its forecasts
     * do not start cold; its bucket loads start uniform over the child's share. Control thread; cold path.
     */
    public void seedFromParent(final int childSlot, final int parentSlot, final double share) {
        seed(childSlot, parentSlot, -1, share);
    }

    /**
     * Starts the history of a merged partition as the sum of its two parents' histories, at every level, over the
     * rows both have; bucket loads start uniform. Control thread; cold path.
     */
    public void seedFromMerge(final int mergedSlot, final int leftSlot, final int rightSlot) {
        seed(mergedSlot, leftSlot, rightSlot, 1.0);
    }

    private void seed(final int slot, final int left, final int right, final double share) {
        clear(slot);
        final long leftStart = memory.get(LONG, startOffset(left));
        final long rightStart = right < 0 ? leftStart : memory.get(LONG, startOffset(right));
        // The seeded slot has the rows both parents have: it starts with the later of them; when either has none, at
        // the tick in progress (as clear left it), so that the rows written from now on count.
        if (leftStart != 0 && rightStart != 0) {
            setStartTick(slot, Math.max(leftStart, rightStart));
        }
        long lastTouched = Math.max(tickCount - 1, lastTouchedTick(left));
        if (right >= 0) {
            lastTouched = Math.max(lastTouched, lastTouchedTick(right));
        }
        // Each level's open row as the parents read, for the next level's difference. Cold path: allocates.
        final double[] lowerOpen = new double[RESOURCE_COUNT];
        for (int l = 0; l < levelCount; l++) {
            final long newest = Math.floorDiv(lastTouched, ticksPerRow[l]);
            // Level 0: the retained rows only; the position after them is the tick in progress's, cleaned by it.
            final int rows = l == 0 ? rowsRetained[0] : ringRows[l];
            for (int r = 0; r < RESOURCE_COUNT; r++) {
                for (int i = 0; i < rows && newest - i >= 0; i++) {
                    final long row = newest - i;
                    double value = logicalRow(l, r, left, row);
                    if (right >= 0) {
                        value += logicalRow(l, r, right, row);
                    }
                    // Above level 0 the newest row is the seeded slot's open row: level 1's in the tick state, each
                    // higher level's as its difference from the level below in the roll-up state (spec 004).
                    final long at;
                    double stored = value;
                    if (l == 0) {
                        final int position = (int) (row % ringRows[0]);
                        at = regions.seriesOffset[0][r] + tickOffset(slot, position);
                        markLines(slot, position);
                    } else if (i == 0) {
                        at = l == 1 ? tickStateOffset(slot) + LoadHistoryDescriptor.openRowOffset(r)
                            : rollUpStateOffset(slot) + LoadHistoryDescriptor.rollUpOffset(l, r, RESOURCE_COUNT);
                        stored = l == 1 ? value : value - lowerOpen[r];
                        lowerOpen[r] = value;
                    } else {
                        at = regions.seriesOffset[l][r] + position(l, slot, row);
                    }
                    memory.set(DOUBLE, at, stored * share);
                }
            }
        }
        double total = 0;
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            total += storedBucketLoad(left, b) * bucketDecaySince(left, lastTouched);
            if (right >= 0) {
                total += storedBucketLoad(right, b) * bucketDecaySince(right, lastTouched);
            }
        }
        final double perBucket = total * share / KeySpace.BUCKET_COUNT;
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            setBucketLoad(slot, b, perBucket);
        }
        setBucketsAsOf(slot, lastTouched);
        setLastTouched(slot, lastTouched);
    }

    /**
     * Forgets the history of {@code slot} at every level and starts it again at the tick in progress. Control
     * thread; cold path.
     */
    public void clear(final int slot) {
        for (int r = 0; r < RESOURCE_COUNT; r++) {
            for (int p = 0; p < ringRows[0]; p++) {
                memory.set(DOUBLE, regions.seriesOffset[0][r] + tickOffset(slot, p), 0.0);
            }
        }
        for (int l = 1; l < levelCount; l++) {
            final long rowsBytes = (long) ringRows[l] * Double.BYTES;
            for (int r = 0; r < RESOURCE_COUNT; r++) {
                memory.asSlice(regions.seriesOffset[l][r] + slot * rowsBytes, rowsBytes).fill((byte) 0);
            }
        }
        for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
            setBucketLoad(slot, b, 0);
        }
        memory.asSlice(tickStateOffset(slot), regions.tickStateLength).fill((byte) 0);
        if (regions.rollUpStateLength > 0) {
            memory.asSlice(rollUpStateOffset(slot), regions.rollUpStateLength).fill((byte) 0);
        }
        setStartTick(slot, tickCount + 1);
        setBucketsAsOf(slot, tickCount - 1);
        setLastTouched(slot, tickCount - 1);
    }

    /** Forces a file-backed history to its file. No-op in memory. Cold path. */
    public void flush() {
        if (channel != null && !isClosed) {
            memory.force();
        }
    }

    /** Flushes and frees the columns (unmaps the file). Safe to call twice. */
    @Override
    public void close() {
        if (isClosed) {
            return;
        }
        flush();
        isClosed = true;
        if (region != null) {
            region.close();
        } else {
            arena.close();
            try {
                channel.close();
            } catch (final IOException ex) {
                throw new UncheckedIOException("cannot close load history file", ex);
            }
        }
    }

    private double aggregate(
        final int level, final Resource resource, final int slot, final int window, final boolean isMax) {
        checkWindow(level, slot, window);
        if (level == 0) {
            return aggregateTicks(resource, slot, window, isMax);
        }
        final int positions = ringRows[level];
        final long slotBase = regions.seriesOffset[level][resource.ordinal()]
            + (long) slot * positions * Double.BYTES;
        final long last = lastRow(level);
        final long first = last - window + 1;
        final long openRow = Math.floorDiv(lastTouchedTick(slot), ticksPerRow[level]);
        // Rows before the open one are in their positions; the open row is in the tick and roll-up states (when
        // inside the window); rows after it are zero without being written.
        final long written = Math.min(last, openRow - 1);
        final int count = (int) Math.max(0, written - first + 1);
        double result = isMax ? Double.NEGATIVE_INFINITY : 0;
        if (count > 0) {
            final int start = (int) (first % positions);
            final int head = Math.min(count, positions - start);
            result = span(memory, slotBase + (long) start * Double.BYTES, head, isMax);
            if (head < count) {
                final double wrapped = span(memory, slotBase, count - head, isMax);
                result = isMax ? Math.max(result, wrapped) : result + wrapped;
            }
        }
        int counted = count;
        if (openRow >= first && openRow <= last) {
            final double open = openRow(level, resource.ordinal(), slot);
            result = isMax ? Math.max(result, open) : result + open;
            counted++;
        }
        if (isMax && counted < window) {
            result = Math.max(result, 0.0);
        }
        return result;
    }

    /**
     * Sum or max of the last {@code window} level-0 rows of {@code slot}: every row is exact in place (version 3), so
     * the window is read straight, one line per row (the slot's lane of its eight-slot line), wrapping once.
     */
    private double aggregateTicks(final Resource resource, final int slot, final int window, final boolean isMax) {
        final int positions = ringRows[0];
        final long lines = regions.seriesOffset[0][resource.ordinal()] + (slot >>> BLOCK_SHIFT) * blockRingBytes
            + (long) ((slot & (BLOCK_SLOTS - 1)) >>> LoadHistoryDescriptor.LINE_SHIFT) * REGION_ALIGNMENT;
        final int lane = slot & (LoadHistoryDescriptor.LINE_SLOTS - 1);
        final long first = lastRow(0) - window + 1;
        final int start = (int) (first % positions);
        final int head = Math.min(window, positions - start);
        double result = spanLane(memory, lines + (long) start * BLOCK_ROW_STRIDE, head, lane, isMax);
        if (head < window) {
            final double wrapped = spanLane(memory, lines, window - head, lane, isMax);
            result = isMax ? Math.max(result, wrapped) : result + wrapped;
        }
        return result;
    }

    /**
     * Sum or max of lane {@code lane} of {@code count} 64-byte lines, {@link LoadHistoryDescriptor#BLOCK_ROW_STRIDE}
     * bytes apart from byte offset {@code firstLine}: a slot's consecutive level-0 rows. Scalar, four rows an
     * iteration with four independent sums (or maxima): each row is one double of its own line, so a vector
     * load would read seven other slots' values to use one (the Vector API has no strided load from a segment; a
     * lanewise form that took the slot's lane per block of four lines, tried first, was slower from cache). Only
     * scalars are loop-carried. NaN rule as {@link #span}: {@code Math.max} and the sum propagate a NaN.
     */
    static double spanLane(
        final MemorySegment memory, final long firstLine, final int count, final int lane, final boolean isMax) {
        return isMax ? spanLaneMax(memory, firstLine + (long) lane * Double.BYTES, count)
            : spanLaneSum(memory, firstLine + (long) lane * Double.BYTES, count);
    }

    private static double spanLaneSum(final MemorySegment memory, final long first, final int count) {
        final int blockEnd = count - count % LANE_UNROLL;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i < blockEnd; i += LANE_UNROLL) {
            final long at = first + (long) i * BLOCK_ROW_STRIDE;
            s0 += memory.get(DOUBLE, at);
            s1 += memory.get(DOUBLE, at + BLOCK_ROW_STRIDE);
            s2 += memory.get(DOUBLE, at + 2L * BLOCK_ROW_STRIDE);
            s3 += memory.get(DOUBLE, at + 3L * BLOCK_ROW_STRIDE);
        }
        double result = (s0 + s1) + (s2 + s3);
        for (; i < count; i++) {
            result += memory.get(DOUBLE, first + (long) i * BLOCK_ROW_STRIDE);
        }
        return result;
    }

    private static double spanLaneMax(final MemorySegment memory, final long first, final int count) {
        final int blockEnd = count - count % LANE_UNROLL;
        double m0 = Double.NEGATIVE_INFINITY;
        double m1 = Double.NEGATIVE_INFINITY;
        double m2 = Double.NEGATIVE_INFINITY;
        double m3 = Double.NEGATIVE_INFINITY;
        int i = 0;
        for (; i < blockEnd; i += LANE_UNROLL) {
            final long at = first + (long) i * BLOCK_ROW_STRIDE;
            m0 = Math.max(m0, memory.get(DOUBLE, at));
            m1 = Math.max(m1, memory.get(DOUBLE, at + BLOCK_ROW_STRIDE));
            m2 = Math.max(m2, memory.get(DOUBLE, at + 2L * BLOCK_ROW_STRIDE));
            m3 = Math.max(m3, memory.get(DOUBLE, at + 3L * BLOCK_ROW_STRIDE));
        }
        double result = Math.max(Math.max(m0, m1), Math.max(m2, m3));
        for (; i < count; i++) {
            result = Math.max(result, memory.get(DOUBLE, first + (long) i * BLOCK_ROW_STRIDE));
        }
        return result;
    }

    /**
     * Sum or max of {@code count} doubles from byte offset {@code first}: Vector API main loop, scalar tail.
     * <p>
     * No vector is carried from one iteration to the next: each block of {@link #SPAN_UNROLL} vectors is combined
     * as a tree and reduced to a {@code double} inside its iteration, and only that scalar is loop-carried. A
     * loop-carried vector is a vector loop phi, which C2 must be able to materialize as a heap object (at an
     * on-stack-replacement entry, or at a merge with a path it did not intrinsify once the loop's profile is
     * polluted); when it cannot prove the box dead it keeps it, and the profiler's fold was caught allocating 96 B
     * per slot that way. A vector that lives only within one iteration has nothing to box. One reduction per
     * {@code SPAN_UNROLL * lanes} doubles costs less than the memory read of those bytes.
     */
    static double span(final MemorySegment memory, final long first, final int count, final boolean isMax) {
        // Two methods, not two branches of one: each compiles with its own loop and never deoptimizes for the
        // other's.
        return isMax ? spanMax(memory, first, count) : spanSum(memory, first, count);
    }

    /**
     * Maximum, by the order of the values' bit patterns. A double whose sign bit is clear (every load: loads are
     * never negative) orders as its bits do as an unsigned 64-bit integer, and a NaN with a clear sign bit above
     * +inf, so one lanewise unsigned integer max per vector finds the greatest value and carries a NaN through: no
     * Java floating-point max rules, no NaN screen, no blends (they held the previous form to 1.4–2× the bandwidth
     * reference from memory, docs/BENCHMARKS.md). A set sign bit (a negative value, -0.0 or a NaN with its sign
     * set) is the greatest bit pattern of all, so one test of each block's maximum sees it, and such a span is
     * reduced exactly by {@link #spanMaxScalar} instead. Blocks of {@link #SPAN_MAX_UNROLL} vectors, one reduction
     * each; only scalars are loop-carried (see {@link #span}).
     */
    private static double spanMax(final MemorySegment memory, final long first, final int count) {
        final int lanes = BITS.length();
        final int blockDoubles = lanes * SPAN_MAX_UNROLL;
        final long vectorBytes = (long) lanes * Long.BYTES;
        final int blockEnd = count - count % blockDoubles;
        long greatest = 0;
        int i = 0;
        for (; i < blockEnd; i += blockDoubles) {
            final long at = first + (long) i * Double.BYTES;
            final LongVector v0 = LongVector.fromMemorySegment(BITS, memory, at, ORDER);
            final LongVector v1 = LongVector.fromMemorySegment(BITS, memory, at + vectorBytes, ORDER);
            final LongVector v2 = LongVector.fromMemorySegment(BITS, memory, at + 2 * vectorBytes, ORDER);
            final LongVector v3 = LongVector.fromMemorySegment(BITS, memory, at + 3 * vectorBytes, ORDER);
            final LongVector v4 = LongVector.fromMemorySegment(BITS, memory, at + 4 * vectorBytes, ORDER);
            final LongVector v5 = LongVector.fromMemorySegment(BITS, memory, at + 5 * vectorBytes, ORDER);
            final LongVector v6 = LongVector.fromMemorySegment(BITS, memory, at + 6 * vectorBytes, ORDER);
            final LongVector v7 = LongVector.fromMemorySegment(BITS, memory, at + 7 * vectorBytes, ORDER);
            final long block = greatestUnsigned(
                umax(umax(umax(v0, v1), umax(v2, v3)), umax(umax(v4, v5), umax(v6, v7))));
            if (block < 0) {
                return spanMaxScalar(memory, first, count);
            }
            greatest = Math.max(greatest, block);
        }
        // Then a vector at a time (a short window's whole span), the same way.
        final int vectorEnd = count - count % lanes;
        for (; i < vectorEnd; i += lanes) {
            final long vector = greatestUnsigned(
                LongVector.fromMemorySegment(BITS, memory, first + (long) i * Double.BYTES, ORDER));
            if (vector < 0) {
                return spanMaxScalar(memory, first, count);
            }
            greatest = Math.max(greatest, vector);
        }
        double result = i == 0 ? Double.NEGATIVE_INFINITY : Double.longBitsToDouble(greatest);
        for (; i < count; i++) {
            result = Math.max(result, memory.get(DOUBLE, first + (long) i * Double.BYTES));
        }
        return result;
    }

    private static LongVector umax(final LongVector a, final LongVector b) {
        return a.lanewise(VectorOperators.UMAX, b);
    }

    /**
     * The greatest lane as an unsigned integer: flipping the sign bit maps unsigned order onto signed order, and the
     * signed reduction is a compiler intrinsic where {@code reduceLanes(UMAX)} is not (on JDK 25 it allocated 1.5 KB
     * a call, measured).
     */
    private static long greatestUnsigned(final LongVector v) {
        return v.lanewise(VectorOperators.XOR, Long.MIN_VALUE).reduceLanes(VectorOperators.MAX) ^ Long.MIN_VALUE;
    }

    /** Maximum by {@link Math#max}, one value at a time: the exact path for spans holding a set sign bit. */
    private static double spanMaxScalar(final MemorySegment memory, final long first, final int count) {
        double result = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < count; i++) {
            result = Math.max(result, memory.get(DOUBLE, first + (long) i * Double.BYTES));
        }
        return result;
    }

    private static double spanSum(final MemorySegment memory, final long first, final int count) {
        final int lanes = SPECIES.length();
        final int blockDoubles = lanes * SPAN_UNROLL;
        final long vectorBytes = (long) lanes * Double.BYTES;
        final int blockEnd = count - count % blockDoubles;
        final int vectorEnd = count - count % lanes;
        double result = 0;
        int i = 0;
        for (; i < blockEnd; i += blockDoubles) {
            final long at = first + (long) i * Double.BYTES;
            final DoubleVector v0 = DoubleVector.fromMemorySegment(SPECIES, memory, at, ORDER);
            final DoubleVector v1 = DoubleVector.fromMemorySegment(SPECIES, memory, at + vectorBytes, ORDER);
            final DoubleVector v2 = DoubleVector.fromMemorySegment(SPECIES, memory, at + 2 * vectorBytes, ORDER);
            final DoubleVector v3 = DoubleVector.fromMemorySegment(SPECIES, memory, at + 3 * vectorBytes, ORDER);
            result += v0.add(v1).add(v2.add(v3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < vectorEnd; i += lanes) {
            result += DoubleVector.fromMemorySegment(SPECIES, memory, first + (long) i * Double.BYTES, ORDER)
                .reduceLanes(VectorOperators.ADD);
        }
        for (; i < count; i++) {
            result += memory.get(DOUBLE, first + (long) i * Double.BYTES);
        }
        return result;
    }

    private static boolean hasNan(final double[] values, final int count) {
        final int lanes = SPECIES.length();
        final int vectorCount = count - count % lanes;
        int i = 0;
        for (; i < vectorCount; i += lanes) {
            if (DoubleVector.fromArray(SPECIES, values, i).test(VectorOperators.IS_NAN).anyTrue()) {
                return true;
            }
        }
        for (; i < count; i++) {
            if (Double.isNaN(values[i])) {
                return true;
            }
        }
        return false;
    }

    /** Hoare quickselect with a median-of-three pivot: the {@code k}-th smallest of {@code values[0..count)}. */
    private static double select(final double[] values, final int count, final int k) {
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            final double pivot = median(values[lo], values[mid], values[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (values[i] < pivot) {
                    i++;
                }
                while (values[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    final double swap = values[i];
                    values[i] = values[j];
                    values[j] = swap;
                    i++;
                    j--;
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return values[k];
            }
        }
        return values[k];
    }

    private static double median(final double a, final double b, final double c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    private long lastRow(final int level) {
        return tickCount / ticksPerRow[level] - 1;
    }

    /** Byte offset of {@code row}'s ring position within {@code level}'s column, for {@code slot}. */
    private long position(final int level, final int slot, final long row) {
        final int positions = ringRows[level];
        return ((long) slot * positions + (int) (row % positions)) * Double.BYTES;
    }

    /** Row {@code row} of {@code level} as readers see it: zero after the slot's last touched row. */
    private double logicalRow(final int level, final int resource, final int slot, final long row) {
        if (level == 0) {
            // Exact in place: rows the slot skipped were zeroed by their ticks.
            return memory.get(DOUBLE, regions.seriesOffset[0][resource] + tickOffset(slot, (int) (row % ringRows[0])));
        }
        final long openRow = Math.floorDiv(lastTouchedTick(slot), ticksPerRow[level]);
        if (row > openRow) {
            return 0;
        }
        if (level > 0 && row == openRow) {
            return openRow(level, resource, slot);
        }
        return memory.get(DOUBLE, regions.seriesOffset[level][resource] + position(level, slot, row));
    }

    private long tickStateOffset(final int slot) {
        return regions.tickStatesOffset + (long) slot * regions.tickStateLength;
    }

    private long rollUpStateOffset(final int slot) {
        return regions.rollUpStatesOffset + (long) slot * regions.rollUpStateLength;
    }

    private long bucketsAsOfOffset(final int slot) {
        return regions.bucketsAsOfOffset + (long) slot * Long.BYTES;
    }

    /**
     * The open row of {@code level} (at least 1) of {@code resource}: level 1's in the tick state plus the partial sums
     * of levels 2 .. {@code level} in the roll-up state (spec 004).
     */
    private double openRow(final int level, final int resource, final int slot) {
        double value = memory.get(DOUBLE, tickStateOffset(slot) + LoadHistoryDescriptor.openRowOffset(resource));
        final long rollUps = rollUpStateOffset(slot);
        for (int l = 2; l <= level; l++) {
            value += memory.get(DOUBLE, rollUps + LoadHistoryDescriptor.rollUpOffset(l, resource, RESOURCE_COUNT));
        }
        return value;
    }

    /** {@code bucketDecay^(tick - bucketsAsOf)}: how much the slot's stored bucket loads have decayed by then. */
    private double bucketDecaySince(final int slot, final long tick) {
        return decayPower(tick - bucketsAsOf(slot));
    }

    private long bucketsAsOf(final int slot) {
        return memory.get(LONG, bucketsAsOfOffset(slot));
    }

    private void setBucketsAsOf(final int slot, final long tick) {
        memory.set(LONG, bucketsAsOfOffset(slot), tick);
    }

    private long startOffset(final int slot) {
        return regions.slotStartsOffset + (long) slot * Long.BYTES;
    }

    private double decayPower(final long ticks) {
        if (ticks <= 0) {
            return 1;
        }
        return ticks < DECAY_POWERS ? decayPowers[(int) ticks] : Math.pow(bucketDecay, ticks);
    }

    private double storedBucketLoad(final int slot, final int bucket) {
        return memory.get(FLOAT, regions.bucketsOffset + ((long) slot * KeySpace.BUCKET_COUNT + bucket)
            * Float.BYTES);
    }

    private void setStartTick(final int slot, final long startTickPlusOne) {
        memory.set(LONG, startOffset(slot), startTickPlusOne);
    }

    private void setLastTouched(final int slot, final long tick) {
        memory.set(LONG, tickStateOffset(slot) + LoadHistoryDescriptor.LAST_TOUCHED_OFFSET, tick);
    }

    private void setBucketLoad(final int slot, final int bucket, final double value) {
        memory.set(FLOAT, regions.bucketsOffset + ((long) slot * KeySpace.BUCKET_COUNT + bucket) * Float.BYTES,
            (float) value);
    }

    private void checkWindow(final int level, final int slot, final int window) {
        final int length = length(level, slot);
        if (window < 1 || window > length) {
            throw new IllegalArgumentException("window outside the history [level=" + level + ", slot=" + slot
                + ", window=" + window + ", length=" + length + "]");
        }
    }

    private void writeHeader() {
        memory.set(LONG, MAGIC_OFFSET, MAGIC);
        memory.set(INT, VERSION_OFFSET, VERSION);
        memory.set(INT, HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        memory.set(INT, SLOT_CAPACITY_OFFSET, slotCapacity);
        memory.set(INT, RESOURCE_COUNT_OFFSET, RESOURCE_COUNT);
        memory.set(INT, BUCKET_COUNT_OFFSET, KeySpace.BUCKET_COUNT);
        memory.set(INT, LEVEL_COUNT_OFFSET, levelCount);
        memory.set(DOUBLE, BUCKET_DECAY_OFFSET, bucketDecay);
        for (int l = 0; l < levelCount; l++) {
            memory.set(INT, LoadHistoryDescriptor.levelTicksPerRowOffset(l), ticksPerRow[l]);
            memory.set(INT, LoadHistoryDescriptor.levelRowsRetainedOffset(l), rowsRetained[l]);
        }
        memory.set(LONG, TICK_COUNT_OFFSET, 0L);
    }

    /** Refuses a file of another format version before its length is compared with this version's layout. */
    private static void checkVersion(final FileChannel channel, final Path file) throws IOException {
        final ByteBuffer header = ByteBuffer.allocate(VERSION_OFFSET + Integer.BYTES).order(ORDER);
        while (header.hasRemaining() && channel.read(header, header.position()) >= 0) {
            continue;
        }
        if (header.hasRemaining() || header.getLong(MAGIC_OFFSET) != MAGIC) {
            return; // not a load history at all: checkHeader names the magic
        }
        final int version = header.getInt(VERSION_OFFSET);
        if (version != VERSION) {
            // Version 1 wrote every slot's row every tick and has no per-slot start and last-touched ticks; version 2
            // kept each slot's level-0 ring contiguous (rows after the last touch unwritten) and double bucket loads.
            // Neither reads as version 3 without a conversion this build does not have: refuse rather than guess.
            throw new IllegalArgumentException("load history file has format version " + version + ", this build "
                + "reads version " + VERSION + " only (docs/spec/004-load-history.md); move the file away to start a "
                + "new history [file=" + file + ", version=" + version + ", expectedVersion=" + VERSION + "]");
        }
    }

    private void checkHeader(final Path file) {
        final long magic = memory.get(LONG, MAGIC_OFFSET);
        final int version = memory.get(INT, VERSION_OFFSET);
        if (magic != MAGIC) {
            throw new IllegalArgumentException("not a load history [file=" + file + ", magic=0x"
                + Long.toHexString(magic) + "]");
        }
        if (version != VERSION) {
            throw new IllegalArgumentException("load history file has format version " + version + ", this build "
                + "reads version " + VERSION + " only [file=" + file + ", version=" + version + ", expectedVersion="
                + VERSION + "]");
        }
        boolean isSameShape = memory.get(INT, HEADER_LENGTH_OFFSET) == HEADER_LENGTH
            && memory.get(INT, SLOT_CAPACITY_OFFSET) == slotCapacity
            && memory.get(INT, RESOURCE_COUNT_OFFSET) == RESOURCE_COUNT
            && memory.get(INT, BUCKET_COUNT_OFFSET) == KeySpace.BUCKET_COUNT
            && memory.get(INT, LEVEL_COUNT_OFFSET) == levelCount
            && Double.compare(memory.get(DOUBLE, BUCKET_DECAY_OFFSET), bucketDecay) == 0;
        for (int l = 0; l < levelCount && isSameShape; l++) {
            isSameShape = memory.get(INT, LoadHistoryDescriptor.levelTicksPerRowOffset(l)) == ticksPerRow[l]
                && memory.get(INT, LoadHistoryDescriptor.levelRowsRetainedOffset(l)) == rowsRetained[l];
        }
        if (!isSameShape) {
            throw new IllegalArgumentException("load history file has another shape [file=" + file
                + ", slotCapacity=" + memory.get(INT, SLOT_CAPACITY_OFFSET) + ", expectedSlotCapacity="
                + slotCapacity + ", levelCount=" + memory.get(INT, LEVEL_COUNT_OFFSET) + ", expectedLevelCount="
                + levelCount + ", levels=" + Arrays.toString(ticksPerRow) + "x" + Arrays.toString(rowsRetained)
                + "]");
        }
    }

    private static Level[] checkedLevels(
        final int slotCapacity, final double bucketDecay, final Level[] levels, final int ticksRetained) {
        if (slotCapacity < 1 || ticksRetained < 1 || !(bucketDecay > 0 && bucketDecay < 1) || levels.length < 1
            || levels.length > MAX_LEVELS || levels[0].ticksPerRow() != 1) {
            throw new IllegalArgumentException("invalid load history shape [slotCapacity=" + slotCapacity
                + ", ticksRetained=" + ticksRetained + ", bucketDecay=" + bucketDecay + ", levels="
                + Arrays.toString(levels) + "]");
        }
        for (int l = 1; l < levels.length; l++) {
            if (levels[l].ticksPerRow() <= levels[l - 1].ticksPerRow()
                || levels[l].ticksPerRow() % levels[l - 1].ticksPerRow() != 0) {
                throw new IllegalArgumentException("roll-up levels must grow by whole multiples [levels="
                    + Arrays.toString(levels) + "]");
            }
        }
        return levels.clone();
    }

    /**
     * After a failed creation, leaves no history behind: a file this open created is deleted, an empty one it was
     * given is emptied again, so that the next start does not take a half-made file for a history.
     */
    private static void discardNewFile(final Path file, final boolean isCreated, final boolean isNew,
        final Throwable failure) {
        if (!isNew) {
            return;
        }
        try {
            if (isCreated) {
                Files.deleteIfExists(file);
            } else {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.truncate(0);
                }
            }
        } catch (final IOException ex) {
            failure.addSuppressed(ex);
        }
    }

    private static void releaseAfterFailure(final Arena arena, final FileChannel channel, final Throwable failure) {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (final IOException ex) {
                failure.addSuppressed(ex);
            }
        }
    }
}
