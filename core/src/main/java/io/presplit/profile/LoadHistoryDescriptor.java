package io.presplit.profile;

import io.presplit.keyspace.KeySpace;

/**
 * Layout of a {@link LoadHistory}, in memory and in its file (specification: {@code docs/spec/004-load-history.md};
 * where this class and the spec disagree, this class is the bug). Little-endian; every region 64-byte aligned.
 *
 * <pre>
 * header (HEADER_LENGTH = 4096 bytes, one page, so that the columns start page-aligned):
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |          magic "PSPLHIST" (int64)                 offset 0    |
 * +-------------------------------+-------------------------------+
 * | version (int32)      offset 8 | header length (int32)  12     |
 * +-------------------------------+-------------------------------+
 * | slot capacity (int32)     16  | resource count (int32)  20    |
 * +-------------------------------+-------------------------------+
 * | bucket count (int32)      24  | level count (int32)     28    |
 * +-------------------------------+-------------------------------+
 * |          bucket decay per tick (float64)          offset 32   |
 * +-------------------------------+-------------------------------+
 * | level[i].ticksPerRow (int32)  | level[i].rowsRetained (int32) |  offset 40 + 8 i, i &lt; MAX_LEVELS
 * +-------------------------------+-------------------------------+
 * |          zero                                     offset 72   |
 * +---------------------------------------------------------------+
 * |          tick count (int64), written by the profiler thread   |  offset 128 (release store)
 * +---------------------------------------------------------------+
 * |          zero up to HEADER_LENGTH                 offset 136  |
 * +---------------------------------------------------------------+
 *
 * body, in this order, each region rounded up to REGION_ALIGNMENT:
 *   slot starts         int64 [slotCapacity]      start tick + 1: the first tick of the slot's history; 0 = none
 *                                                  (read by readers, written when a slot starts: kept out of the
 *                                                  state records the fold rewrites)
 *   buckets as of       int64 [slotCapacity]      the tick up to which the slot's bucket loads are decayed (the last
 *                                                  tick whose bucket counts were added to them)
 *   tick states         [slotCapacity] records of tickStateLength(levels) bytes (8 with ticks alone; 32 with roll-up
 *                       levels: two a line), which the fold reads and rewrites for every slot that takes load:
 *                         +0   int64    last touched tick: the last tick whose load was written for the slot (kept
 *                                       only when the history has roll-up levels)
 *                         +8   float64  [resourceCount] level 1's open row: its sum so far
 *   roll-up states      [slotCapacity] records of rollUpStateLength(levels) bytes (none below three levels; a power of
 *                       two up to 64, then whole lines), written only when a slot's level-1 row closes:
 *                         +0   float64  [levels - 2][resourceCount] for each level l &gt;= 2, the sum of the
 *                                       level-(l-1) rows that closed inside level l's open row
 *                       level l's open row (l &gt;= 1) is the sum of level 1's open row in the tick state and the
 *                       roll-up state's entries of levels 2 .. l: a tick adds to level 1's alone
 *   level-0 line masks  int64 [ringRows(0)][blockCount][2] bit i of (position p, block b, kind k): line i of block
 *                                                         b's row at p (slots 512 b + 8 i .. + 7) may hold a nonzero
 *                                                         value in the ingest columns (k = 0: points, bytes) or the
 *                                                         query-cost column (k = 1); a clear bit promises zeros
 *   for each resource r:
 *     series[0][r]      float64 [blockCount][ringRows(0)][512 + 8] level 0, tick-major inside a block of 512 slots:
 *                                the row of tick k for slots 512 b .. 512 b + 511 is one 4096-byte run (64 lines) at
 *                                position k mod ringRows(0), so that a tick's rows are written as whole lines, then
 *                                one pad line, never written (BLOCK_ROW_STRIDE = 4160 bytes from row to row)
 *   for each level l &gt; 0, for each resource r:
 *     series[l][r]      float64 [slotCapacity][ringRows(l)]   row k of level l at position k mod ringRows(l)
 *   buckets             float32 [slotCapacity][bucketCount]   ingest points per key bucket, decayed up to the slot's
 *                                                         buckets-as-of tick; 16 floats: one 64-byte line per slot
 *
 * blockCount = ceil(slotCapacity / 512); ringRows(l) = rowsRetained(l) + 1, the extra position lets the tick in
 * progress be written without overwriting the oldest retained row.
 *
 * Level 0 is exact in place (since version 3): before the first row of a word of 64 slots is written in tick k (or when
 * the tick completes), the lines of that word at position k mod ringRows(0) whose mask bit is set are zeroed (in the
 * columns of the mask's kind) and the bits cleared; writing a slot's nonzero row sets its line's bit of that kind, and
 * a word written whole (all its lines of a kind's columns, zero where no slot took load) sets all its bits. Every
 * completed tick therefore holds every slot's row, zero for slots that took no load, and level-0 readers need no
 * per-slot rule. Levels above 0 are written lazily, only for
 * slots that took load: with open(l) = floor(lastTouchedTick / ticksPerRow(l)), a row k of a level l &gt; 0 is its
 * position while k &lt; open(l), its open row (tick state plus roll-up state, above) when k = open(l), zero after;
 * when the writer next touches the slot in a later row of level 1, it writes each level's open row that closed to its
 * position, zeroes the positions it skipped, and adds the closed rows into the first level whose row is still open.
 * Valid rows of level l: min(rowsRetained(l), tickCount / ticksPerRow(l) - startTick / ticksPerRow(l)).
 * </pre>
 * The profiler thread writes everything in the body; the header's shape fields are written once at creation.
 */
public final class LoadHistoryDescriptor {
    /** "PSPLHIST" read as a little-endian int64. */
    public static final long MAGIC = 0x5453_4948_4C50_5350L;
    /**
     * Format version: 4, a tick adds to level 1's open row alone, kept with the last touched tick in a 32-byte tick
     * state (version 3 kept every level's open row, the last touched tick and the buckets-as-of tick in one slot state
     * record, a line a slot at three levels; version 2 kept every slot's level-0 ring contiguous and its bucket loads
     * as doubles; version 1 wrote every row every tick).
     */
    public static final int VERSION = 4;
    /** Most roll-up levels (tick level included). */
    public static final int MAX_LEVELS = 4;

    /** Offset of the magic number. */
    public static final int MAGIC_OFFSET = 0;
    /** Offset of the version. */
    public static final int VERSION_OFFSET = MAGIC_OFFSET + Long.BYTES;
    /** Offset of the header length. */
    public static final int HEADER_LENGTH_OFFSET = VERSION_OFFSET + Integer.BYTES;
    /** Offset of the slot capacity. */
    public static final int SLOT_CAPACITY_OFFSET = HEADER_LENGTH_OFFSET + Integer.BYTES;
    /** Offset of the resource count. */
    public static final int RESOURCE_COUNT_OFFSET = SLOT_CAPACITY_OFFSET + Integer.BYTES;
    /** Offset of the bucket count. */
    public static final int BUCKET_COUNT_OFFSET = RESOURCE_COUNT_OFFSET + Integer.BYTES;
    /** Offset of the level count. */
    public static final int LEVEL_COUNT_OFFSET = BUCKET_COUNT_OFFSET + Integer.BYTES;
    /** Offset of the bucket decay. */
    public static final int BUCKET_DECAY_OFFSET = LEVEL_COUNT_OFFSET + Integer.BYTES;
    /** Offset of the first level's ticks per row. */
    public static final int LEVELS_OFFSET = BUCKET_DECAY_OFFSET + Double.BYTES;
    /** Length of one level entry: ticks per row, rows retained. */
    public static final int LEVEL_LENGTH = 2 * Integer.BYTES;
    /** Offset of the end of the shape fields. */
    public static final int SHAPE_END_OFFSET = LEVELS_OFFSET + MAX_LEVELS * LEVEL_LENGTH;
    /** Offset of the tick count: the only header field written after creation, kept apart from the shape. */
    public static final int TICK_COUNT_OFFSET = 128;
    /** Length of the header. */
    public static final int HEADER_LENGTH = 4096;
    /** Alignment of each body region. */
    public static final int REGION_ALIGNMENT = 64;

    private LoadHistoryDescriptor() {
    }

    /** Offset of {@code level}'s ticks per row. */
    public static int levelTicksPerRowOffset(final int level) {
        return LEVELS_OFFSET + level * LEVEL_LENGTH;
    }

    /** Offset of {@code level}'s rows retained. */
    public static int levelRowsRetainedOffset(final int level) {
        return levelTicksPerRowOffset(level) + Integer.BYTES;
    }

    /** Offset, within a tick state record, of the last touched tick. */
    public static final int LAST_TOUCHED_OFFSET = 0;
    /** Offset, within a tick state record, of level 1's open row (resource 0 first). */
    public static final int OPEN_ROW_OFFSET = LAST_TOUCHED_OFFSET + Long.BYTES;

    /**
     * Length of a tick state record for {@code levels} levels: the last touched tick, and level 1's open row when
     * there are roll-up levels; a power of two (8 or 32 bytes for three resources).
     */
    public static int tickStateLength(final int levels, final int resourceCount) {
        return levels == 1 ? Long.BYTES : powerOfTwoOrLines(OPEN_ROW_OFFSET + resourceCount * Double.BYTES);
    }

    /**
     * Length of a roll-up state record for {@code levels} levels: one row of partial sums per level from 2 on; 0 below
     * three levels, else a power of two up to 64 bytes, then whole lines.
     */
    public static int rollUpStateLength(final int levels, final int resourceCount) {
        return levels <= 2 ? 0 : powerOfTwoOrLines((levels - 2) * resourceCount * Double.BYTES);
    }

    /** Offset, within a tick state record, of level 1's open row of {@code resource}. */
    public static int openRowOffset(final int resource) {
        return OPEN_ROW_OFFSET + resource * Double.BYTES;
    }

    /** Offset, within a roll-up state record, of level {@code level}'s (at least 2) partial sum of {@code resource}. */
    public static int rollUpOffset(final int level, final int resource, final int resourceCount) {
        return ((level - 2) * resourceCount + resource) * Double.BYTES;
    }

    private static int powerOfTwoOrLines(final int length) {
        return length <= REGION_ALIGNMENT ? Integer.highestOneBit(length - 1) << 1
            : (length + REGION_ALIGNMENT - 1) & -REGION_ALIGNMENT;
    }

    /**
     * Slots per level-0 block: a tick's rows of one block are one run of {@link #BLOCK_ROW_LENGTH} bytes (4 KiB, a
     * base page, 64 lines with one mask bit each), which the prefetchers follow when many slots take load (measured:
     * a fold of a million loaded slots took 30 ms with 512-slot blocks against 37 ms with 64-slot ones).
     */
    public static final int BLOCK_SLOTS = 512;
    /** {@code log2(BLOCK_SLOTS)}. */
    public static final int BLOCK_SHIFT = Integer.numberOfTrailingZeros(BLOCK_SLOTS);
    /** Slots per 64-byte line of a level-0 row. */
    public static final int LINE_SLOTS = REGION_ALIGNMENT / Double.BYTES;
    /** {@code log2(LINE_SLOTS)}. */
    public static final int LINE_SHIFT = Integer.numberOfTrailingZeros(LINE_SLOTS);
    /** Bytes of one level-0 row of one block: 512 doubles, 64 lines. */
    public static final int BLOCK_ROW_LENGTH = BLOCK_SLOTS * Double.BYTES;
    /**
     * Bytes from one level-0 row of a block to the next: the row and one pad line, never written. Without the pad
     * a slot's consecutive rows would sit 4 KiB apart, all in one set of the L1 (and few of the L2), and a window
     * of more rows than the L1 has ways would miss on them even when it fits in cache (not measured alone).
     */
    public static final int BLOCK_ROW_STRIDE = BLOCK_ROW_LENGTH + REGION_ALIGNMENT;
    /** Bytes of the line masks of one (ring position, block): the ingest columns' word, the query column's. */
    public static final int LINE_MASKS_LENGTH = 2 * Long.BYTES;
    /** Offset, within a (position, block)'s line masks, of the ingest columns' word. */
    public static final int INGEST_MASK_OFFSET = 0;
    /** Offset, within a (position, block)'s line masks, of the query-cost column's word. */
    public static final int QUERY_MASK_OFFSET = Long.BYTES;
    /** Bytes of one slot's bucket loads: 16 floats, one line. */
    public static final int BUCKET_LOADS_LENGTH = KeySpace.BUCKET_COUNT * Float.BYTES;

    /** Level-0 blocks of {@link #BLOCK_SLOTS} slots for {@code slotCapacity} slots. */
    public static int blockCount(final int slotCapacity) {
        return (slotCapacity + BLOCK_SLOTS - 1) >>> BLOCK_SHIFT;
    }

    /** Body offsets for one shape, derived in the order of the diagram. */
    static final class Regions {
        final long slotStartsOffset;
        final long bucketsAsOfOffset;
        final long tickStatesOffset;
        final int tickStateLength;
        final long rollUpStatesOffset;
        final int rollUpStateLength;
        final long lineMasksOffset;
        final long[][] seriesOffset;
        final long bucketsOffset;
        final long totalLength;

        Regions(final int slotCapacity, final int resourceCount, final int[] rowsRetained) {
            final int levels = rowsRetained.length;
            final int blocks = blockCount(slotCapacity);
            seriesOffset = new long[levels][resourceCount];
            long offset = HEADER_LENGTH;
            slotStartsOffset = offset;
            offset = align(offset + (long) slotCapacity * Long.BYTES);
            bucketsAsOfOffset = offset;
            offset = align(offset + (long) slotCapacity * Long.BYTES);
            tickStatesOffset = offset;
            tickStateLength = tickStateLength(levels, resourceCount);
            offset = align(offset + (long) slotCapacity * tickStateLength);
            rollUpStatesOffset = offset;
            rollUpStateLength = rollUpStateLength(levels, resourceCount);
            offset = align(offset + (long) slotCapacity * rollUpStateLength);
            lineMasksOffset = offset;
            offset = align(offset + (long) ringRows(rowsRetained[0]) * blocks * LINE_MASKS_LENGTH);
            for (int r = 0; r < resourceCount; r++) {
                seriesOffset[0][r] = offset;
                offset = align(offset + (long) blocks * ringRows(rowsRetained[0]) * BLOCK_ROW_STRIDE);
            }
            for (int l = 1; l < levels; l++) {
                for (int r = 0; r < resourceCount; r++) {
                    seriesOffset[l][r] = offset;
                    offset = align(offset + (long) slotCapacity * ringRows(rowsRetained[l]) * Double.BYTES);
                }
            }
            bucketsOffset = offset;
            totalLength = align(offset + (long) slotCapacity * BUCKET_LOADS_LENGTH);
        }

        private static long align(final long offset) {
            return (offset + REGION_ALIGNMENT - 1) & -REGION_ALIGNMENT;
        }
    }

    /** Ring positions per slot of a level that retains {@code rowsRetained} rows: one more, for the row in progress. */
    static int ringRows(final int rowsRetained) {
        return rowsRetained + 1;
    }
}
