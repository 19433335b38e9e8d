package io.presplit.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.presplit.AllocationMeter;
import io.presplit.FileBlocks;
import io.presplit.keyspace.KeySpace;
import io.presplit.memory.FileSpace;
import io.presplit.memory.NativeMemory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

/** The load history as a store: roll-ups, persistence, quantiles, distributions and lineage across levels. */
class LoadHistoryStoreTest {
    private static final LoadHistory.Level[] LEVELS = {
        new LoadHistory.Level(1, 37), new LoadHistory.Level(5, 11), new LoadHistory.Level(15, 6)};
    /**
     * Relative tolerance of the float bucket loads (spec 004 v3) at the tests' decay of 0.5: each tick rounds twice
     * (decay, add) at 2^-24 of the load, and older rounding decays, so the error stays below 2^-23 / (1 - decay).
     */
    private static final double BUCKET_LOAD_TOLERANCE = 0x1p-23 / (1 - 0.5);

    @TempDir
    Path directory;

    /**
     * Guards the roll-ups against a naive reference: every retained row of every level equals the plain sum of
     * the ticks it spans, for each resource, including rows whose ring position has wrapped.
     */
    @Test
    void shouldEqualNaiveSumsWhenRollingUpTicks() {
        final long seed = System.nanoTime();
        System.out.println("LoadHistoryStoreTest roll-up seed=" + seed);
        final Random random = new Random(seed);
        final int ticks = 200;
        final double[][][] written = new double[2][Resource.VALUES.length][ticks];
        try (LoadHistory history = LoadHistory.inMemory(2, 0.5, LEVELS)) {
            for (int t = 0; t < ticks; t++) {
                for (int slot = 0; slot < 2; slot++) {
                    for (int r = 0; r < Resource.VALUES.length; r++) {
                        written[slot][r][t] = random.nextInt(1000);
                    }
                    history.writeRow(slot, written[slot][0][t], written[slot][1][t], written[slot][2][t],
                        new long[KeySpace.BUCKET_COUNT]);
                }
                history.completeTick();
            }
            for (int l = 0; l < LEVELS.length; l++) {
                final int perRow = LEVELS[l].ticksPerRow();
                final int rows = ticks / perRow;
                assertThat(history.length(l, 1)).isEqualTo(Math.min(rows, LEVELS[l].rowsRetained()));
                for (int ago = 0; ago < history.length(l, 1); ago++) {
                    final int row = rows - 1 - ago;
                    for (final Resource resource : Resource.VALUES) {
                        double naive = 0;
                        for (int t = row * perRow; t < (row + 1) * perRow; t++) {
                            naive += written[1][resource.ordinal()][t];
                        }
                        assertThat(history.value(l, resource, 1, ago)).as("level %d ago %d", l, ago)
                            .isEqualTo(naive);
                    }
                }
            }
        }
    }

    /**
     * Guards persistence: a history closed and reopened from its file keeps every level's rows, the tick count,
     * the pending roll-up and the bucket loads, and keeps going where it stopped.
     */
    @Test
    void shouldKeepHistoryWhenReopenedAfterRestart() {
        final Path file = directory.resolve("history.psh");
        final long[] buckets = new long[KeySpace.BUCKET_COUNT];
        buckets[3] = 4;
        try (LoadHistory history = LoadHistory.open(file, 3, 0.5, LEVELS)) {
            for (int t = 0; t < 47; t++) {
                history.writeRow(2, t, 2 * t, 3 * t, buckets);
                history.completeTick();
            }
        }
        try (LoadHistory reopened = LoadHistory.open(file, 3, 0.5, LEVELS)) {
            assertThat(reopened.tickCount()).isEqualTo(47);
            assertThat(reopened.length(2)).isEqualTo(37);
            assertThat(reopened.value(Resource.INGEST_BYTES, 2, 0)).isEqualTo(92.0);
            assertThat(reopened.value(2, Resource.INGEST_POINTS, 2, 0)).isEqualTo(15.0 * (30 + 44) / 2);
            assertThat(reopened.bucketLoad(2, 3)).isCloseTo(8.0, within(8.0 * BUCKET_LOAD_TOLERANCE));
            for (int t = 47; t < 60; t++) {
                reopened.writeRow(2, t, 2 * t, 3 * t, buckets);
                reopened.completeTick();
            }
            // Ticks 45..59: two before the restart, thirteen after.
            assertThat(reopened.value(2, Resource.INGEST_POINTS, 2, 0)).isEqualTo(15.0 * (45 + 59) / 2);
        }
    }

    /**
     * Guards the lazy rows against a naive eager reference: slots take load in random ticks only, with idle gaps
     * longer than every level's ring, some rows with ingest only or queries only, and every retained row of every
     * level, every length, window sum and max, and the decayed bucket loads equal what writing every slot's row every
     * tick would give (zero when idle).
     */
    @Test
    void shouldEqualAnEagerReferenceWhenSlotsTakeLoadInSomeTicksOnly() {
        final long seed = System.nanoTime();
        System.out.println("LoadHistoryStoreTest sparse seed=" + seed);
        final Random random = new Random(seed);
        final int slots = 4;
        final int ticks = 400;
        final double decay = 0.5;
        final double[][][] written = new double[slots][Resource.VALUES.length][ticks];
        final boolean[][] isWritten = new boolean[slots][ticks];
        final double[][] buckets = new double[slots][KeySpace.BUCKET_COUNT];
        final long[] bucketPoints = new long[KeySpace.BUCKET_COUNT];
        try (LoadHistory history = LoadHistory.inMemory(slots, decay, LEVELS)) {
            for (int t = 0; t < ticks; t++) {
                for (int slot = 0; slot < slots; slot++) {
                    for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                        buckets[slot][b] *= decay;
                    }
                    // Slot 0 every tick; the others in bursts, idle for up to 120 ticks (rings hold 38, 12, 7).
                    final boolean isTouched = slot == 0 || (t / (30 + 30 * slot)) % 2 == 0 && random.nextInt(3) > 0;
                    if (slot == slots - 1 && t == 0) {
                        continue; // the last slot starts later: its rows count from its first write
                    }
                    if (!isTouched && t > 0) {
                        continue;
                    }
                    Arrays.fill(bucketPoints, 0);
                    bucketPoints[random.nextInt(KeySpace.BUCKET_COUNT)] = 1 + random.nextInt(50);
                    for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                        buckets[slot][b] += bucketPoints[b];
                    }
                    for (int r = 0; r < Resource.VALUES.length; r++) {
                        // A third of the values zero: rows of ingest only or of queries only.
                        written[slot][r][t] = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(1000);
                    }
                    history.writeRow(slot, written[slot][0][t], written[slot][1][t], written[slot][2][t],
                        bucketPoints);
                    isWritten[slot][t] = true;
                }
                history.completeTick();
                if (t % 37 == 36 || t == ticks - 1) {
                    assertEqualsEagerReference(history, written, isWritten, buckets, t + 1);
                }
            }
            // Lineage from a slot idle in its latest ticks: the children's rows, open ones included, sum back.
            try (LoadHistory lineage = LoadHistory.inMemory(slots + 2, decay, LEVELS)) {
                for (int t = 0; t < ticks; t++) {
                    if (isWritten[2][t]) {
                        lineage.writeRow(2, written[2][0][t], written[2][1][t], written[2][2][t], bucketPoints);
                    }
                    lineage.completeTick();
                }
                // A parent without history (slot 0 was never written here): the child starts empty and counts the
                // rows written from now on.
                lineage.seedFromParent(slots + 1, 0, 0.5);
                assertThat(lineage.length(slots + 1)).isZero();
                lineage.writeRow(slots + 1, 3, 3, 3, bucketPoints);
                lineage.completeTick();
                assertThat(lineage.length(slots + 1)).isEqualTo(1);
                assertThat(lineage.value(Resource.INGEST_POINTS, slots + 1, 0)).isEqualTo(3.0);
                lineage.writeRow(2, 0, 0, 0, bucketPoints);
                lineage.completeTick();
                lineage.seedFromParent(slots, 2, 0.25);
                lineage.seedFromParent(slots + 1, 2, 0.75);
                for (int l = 0; l < LEVELS.length; l++) {
                    assertThat(lineage.length(l, slots)).isEqualTo(lineage.length(l, 2));
                    for (int ago = 0; ago < lineage.length(l, 2); ago++) {
                        for (final Resource r : Resource.VALUES) {
                            assertThat(lineage.value(l, r, slots, ago) + lineage.value(l, r, slots + 1, ago))
                                .as("level %d ago %d", l, ago).isCloseTo(lineage.value(l, r, 2, ago), within(1e-9));
                        }
                    }
                }
                // Float bucket loads: the children's sum back to the parent's within the float tolerance.
                double parentBuckets = 0;
                double childBuckets = 0;
                for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                    parentBuckets += lineage.bucketLoad(2, b);
                    childBuckets += lineage.bucketLoad(slots, b) + lineage.bucketLoad(slots + 1, b);
                }
                assertThat(childBuckets).isCloseTo(parentBuckets, within(BUCKET_LOAD_TOLERANCE * (1 + parentBuckets)));
            }
        }
    }

    private static void assertEqualsEagerReference(
        final LoadHistory history, final double[][][] written, final boolean[][] isWritten, final double[][] buckets,
        final int ticks) {
        for (int slot = 0; slot < written.length; slot++) {
            final int firstTick = slot == written.length - 1 ? firstWrite(isWritten[slot]) : 0;
            for (int l = 0; l < LEVELS.length; l++) {
                final int perRow = LEVELS[l].ticksPerRow();
                final int rows = ticks / perRow - firstTick / perRow;
                assertThat(history.length(l, slot)).as("slot %d level %d length", slot, l)
                    .isEqualTo(Math.min(rows, LEVELS[l].rowsRetained()));
                final int length = history.length(l, slot);
                for (final Resource resource : Resource.VALUES) {
                    double sum = 0;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int ago = 0; ago < length; ago++) {
                        final int row = ticks / perRow - 1 - ago;
                        double naive = 0;
                        for (int t = row * perRow; t < (row + 1) * perRow; t++) {
                            naive += written[slot][resource.ordinal()][t];
                        }
                        assertThat(history.value(l, resource, slot, ago))
                            .as("slot %d level %d ago %d %s", slot, l, ago, resource).isEqualTo(naive);
                        sum += naive;
                        max = Math.max(max, naive);
                    }
                    if (length > 0) {
                        assertThat(history.windowSum(l, resource, slot, length)).isCloseTo(sum, within(1e-6));
                        assertThat(history.windowMax(l, resource, slot, length)).isEqualTo(max);
                    }
                }
            }
            for (int b = 0; b < KeySpace.BUCKET_COUNT; b++) {
                assertThat(history.bucketLoad(slot, b)).as("slot %d bucket %d", slot, b)
                    .isCloseTo(buckets[slot][b], within(BUCKET_LOAD_TOLERANCE * (1 + buckets[slot][b])));
            }
        }
    }

    private static int firstWrite(final boolean[] isWritten) {
        int t = 0;
        while (!isWritten[t]) {
            t++;
        }
        return t;
    }

    /** Guards against reading a version-1 file (every row written eagerly) as version 2: refused, clearly. */
    @Test
    void shouldRefuseAVersionOneFileWithAClearError() throws IOException {
        final Path file = directory.resolve("history.psh");
        LoadHistory.open(file, 3, 0.5, LEVELS).close();
        final byte[] bytes = Files.readAllBytes(file);
        bytes[LoadHistoryDescriptor.VERSION_OFFSET] = 1;
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 64));
        assertThatThrownBy(() -> LoadHistory.open(file, 3, 0.5, LEVELS))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("format version 1").hasMessageContaining("move the file away");
        assertThatThrownBy(() -> LoadHistory.openExisting(file))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("format version 1");
    }

    /**
     * Guards against reading a version-2 file (slot-major level 0, double bucket loads) or a version-3 file (every
     * level's open row in one slot state record) as version 4: refused with an error naming both versions, whatever
     * its length.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void shouldRefuseAnEarlierVersionsFileNamingBothVersions(final int version) throws IOException {
        final Path file = directory.resolve("history.psh");
        LoadHistory.open(file, 3, 0.5, LEVELS).close();
        final byte[] bytes = Files.readAllBytes(file);
        bytes[LoadHistoryDescriptor.VERSION_OFFSET] = (byte) version;
        Files.write(file, bytes);
        assertThatThrownBy(() -> LoadHistory.open(file, 3, 0.5, LEVELS))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("format version " + version).hasMessageContaining("reads version 4");
        assertThatThrownBy(() -> LoadHistory.openExisting(file))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("format version " + version).hasMessageContaining("reads version 4");
    }

    /** Guards tools that open a history they did not create: the shape comes from the header. */
    @Test
    void shouldReadTheShapeFromTheHeaderWhenOpeningAnExistingFile() {
        final Path file = directory.resolve("history.psh");
        try (LoadHistory history = LoadHistory.open(file, 3, 0.25, LEVELS)) {
            history.writeRow(1, 9, 9, 9, new long[KeySpace.BUCKET_COUNT]);
            history.completeTick();
        }
        try (LoadHistory existing = LoadHistory.openExisting(file)) {
            assertThat(existing.slotCapacity()).isEqualTo(3);
            assertThat(existing.levelCount()).isEqualTo(3);
            assertThat(existing.rowsRetained(2)).isEqualTo(6);
            assertThat(existing.value(Resource.QUERY_COST, 1, 0)).isEqualTo(9.0);
        }
        assertThatThrownBy(() -> LoadHistory.openExisting(directory.resolve("missing.psh")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.psh");
    }

    /** Guards against silently reading a file of another shape or kind as load history. */
    @Test
    void shouldRefuseAFileWhenItsShapeOrMagicDiffers() throws IOException {
        final Path file = directory.resolve("history.psh");
        LoadHistory.open(file, 3, 0.5, LEVELS).close();
        assertThatThrownBy(() -> LoadHistory.open(file, 4, 0.5, LEVELS))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another shape");
        final Path other = directory.resolve("other.psh");
        Files.write(other, new byte[(int) Files.size(file)]);
        assertThatThrownBy(() -> LoadHistory.open(other, 3, 0.5, LEVELS))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("magic=0x0");
    }

    /**
     * Guards against a history that a full disk would break mid-tick (a store through a sparse mapping faults): one
     * the file system cannot hold is refused when opened, with its length named, and leaves no file behind.
     */
    @Test
    void shouldRefuseAtOpenAHistoryTheDiskCannotHoldAndLeaveNoFile() throws IOException {
        final Path file = directory.resolve("huge.psh");
        // 2^28 slots with a day of 10-second ticks: about 14 TB of level 0 alone.
        final LoadHistory.Level[] levels = {new LoadHistory.Level(1, 8_640)};
        final long length = new LoadHistoryDescriptor.Regions(1 << 28, Resource.VALUES.length, new int[] {8_640})
            .totalLength;
        assertThat(length).isGreaterThan(Files.getFileStore(directory).getUsableSpace());
        assertThatThrownBy(() -> LoadHistory.open(file, 1 << 28, 0.5, levels))
            .isInstanceOf(java.io.UncheckedIOException.class)
            .hasMessageStartingWith("cannot open load history [file=" + file + ", lengthBytes=" + length + "]: ")
            .hasMessageContaining("reason=not enough usable space");
        assertThat(file).doesNotExist();
        final Path empty = Files.createFile(directory.resolve("empty.psh"));
        assertThatThrownBy(() -> LoadHistory.open(empty, 1 << 28, 0.5, levels))
            .isInstanceOf(java.io.UncheckedIOException.class);
        assertThat(empty).isEmptyFile();
    }

    /**
     * Guards a history file an earlier version left sparse: reopening it reserves its holes' blocks, so that a full
     * disk fails this open rather than a store through the mapping in some later tick.
     */
    @Test
    void shouldReserveTheHolesOfASparseHistoryFileWhenReopened() throws Exception {
        assumeThat(FileSpace.isReserving()).as("posix_fallocate (Linux)").isTrue();
        final Path made = directory.resolve("made.psh");
        LoadHistory.open(made, 4096, 0.5, LEVELS).close();
        final Path sparse = directory.resolve("sparse.psh");
        try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
            file.setLength(Files.size(made));
            file.write(Arrays.copyOf(Files.readAllBytes(made), LoadHistoryDescriptor.HEADER_LENGTH));
        }
        assertThat(FileBlocks.allocatedBytes(sparse)).isLessThan(Files.size(sparse) / 2);
        LoadHistory.open(sparse, 4096, 0.5, LEVELS).close();
        assertThat(FileBlocks.allocatedBytes(sparse)).isGreaterThanOrEqualTo(Files.size(sparse));
    }

    /** Guards the on-disk header against accidental change: its bytes are the ones docs/spec/004 specifies. */
    @Test
    void shouldWriteTheSpecifiedHeaderBytesWhenCreatingAFile() throws IOException {
        final Path file = directory.resolve("golden.psh");
        try (LoadHistory history = LoadHistory.open(file, 3, 0.5, LEVELS)) {
            history.writeRow(0, 1, 1, 1, new long[KeySpace.BUCKET_COUNT]);
            history.completeTick();
        }
        final byte[] bytes = Files.readAllBytes(file);
        final String golden = "5053504c48495354" // "PSPLHIST"
            + "04000000" + "00100000" // version 4, header length 4096
            + "03000000" + "03000000" // 3 slots, 3 resources
            + "10000000" + "03000000" // 16 buckets, 3 levels
            + "000000000000e03f" // decay 0.5
            + "01000000" + "25000000" // level 0: 1 tick per row, 37 rows
            + "05000000" + "0b000000" // level 1: 5, 11
            + "0f000000" + "06000000" // level 2: 15, 6
            + "0000000000000000"; // level 3 unused
        assertThat(HexFormat.of().formatHex(bytes, 0, LoadHistoryDescriptor.SHAPE_END_OFFSET)).isEqualTo(golden);
        assertThat(HexFormat.of().formatHex(bytes, LoadHistoryDescriptor.TICK_COUNT_OFFSET,
            LoadHistoryDescriptor.TICK_COUNT_OFFSET + Long.BYTES)).isEqualTo("0100000000000000");
        assertThat(Files.size(file) % LoadHistoryDescriptor.REGION_ALIGNMENT).isZero();
    }

    /** Guards the descriptor: offsets follow one another and the tick count sits apart from the shape. */
    @Test
    void shouldDeriveHeaderOffsetsWhenLaidOut() {
        assertThat(LoadHistoryDescriptor.VERSION_OFFSET).isEqualTo(8);
        assertThat(LoadHistoryDescriptor.BUCKET_DECAY_OFFSET % Double.BYTES).isZero();
        assertThat(LoadHistoryDescriptor.SHAPE_END_OFFSET).isEqualTo(72);
        assertThat(LoadHistoryDescriptor.TICK_COUNT_OFFSET - LoadHistoryDescriptor.SHAPE_END_OFFSET)
            .isGreaterThanOrEqualTo(Long.BYTES);
        final LoadHistoryDescriptor.Regions regions = new LoadHistoryDescriptor.Regions(3, 3, new int[] {37, 11});
        assertThat(regions.slotStartsOffset).isEqualTo(LoadHistoryDescriptor.HEADER_LENGTH);
        // Slot starts, then buckets as of: 3 slots x 8 bytes each, aligned up to 64.
        assertThat(regions.bucketsAsOfOffset - regions.slotStartsOffset).isEqualTo(64);
        assertThat(regions.tickStatesOffset - regions.bucketsAsOfOffset).isEqualTo(64);
        // Two levels: last touched and level 1's open row of 3 resources = 32 bytes, two tick states a line.
        assertThat(regions.tickStateLength).isEqualTo(32);
        assertThat(LoadHistoryDescriptor.tickStateLength(1, 3)).isEqualTo(8);
        assertThat(LoadHistoryDescriptor.tickStateLength(3, 3)).isEqualTo(32);
        assertThat(LoadHistoryDescriptor.openRowOffset(1)).isEqualTo(16);
        // Roll-up states: none below three levels, then 24 bytes of partial sums per level from 2 on.
        assertThat(regions.rollUpStateLength).isZero();
        assertThat(LoadHistoryDescriptor.rollUpStateLength(3, 3)).isEqualTo(32);
        assertThat(LoadHistoryDescriptor.rollUpStateLength(4, 3)).isEqualTo(64);
        assertThat(LoadHistoryDescriptor.rollUpStateLength(5, 3)).isEqualTo(128);
        assertThat(LoadHistoryDescriptor.rollUpOffset(3, 1, 3)).isEqualTo(4 * 8);
        assertThat(regions.rollUpStatesOffset - regions.tickStatesOffset).isEqualTo(128);
        assertThat(regions.lineMasksOffset).isEqualTo(regions.rollUpStatesOffset);
        // Line masks: two int64 (ingest, query) per ring position (37 + 1) and block (one of 512): 608 bytes, to 640.
        assertThat(regions.seriesOffset[0][0] - regions.lineMasksOffset).isEqualTo(640);
        // Level 0, tick-major in blocks: 1 block x 38 positions x 512 slots x 8 bytes, whatever the 3 slots in use.
        assertThat(regions.seriesOffset[0][1] - regions.seriesOffset[0][0]).isEqualTo(38 * 4160);
        assertThat(regions.seriesOffset[1][0] - regions.seriesOffset[0][2]).isEqualTo(38 * 4160);
        // Level 1, slot-major: 3 slots x (11 + 1) positions x 8 bytes = 288, aligned up to 320.
        assertThat(regions.seriesOffset[1][1] - regions.seriesOffset[1][0]).isEqualTo(320);
        assertThat(regions.bucketsOffset - regions.seriesOffset[1][2]).isEqualTo(320);
        // Bucket loads: 16 floats, one line per slot.
        assertThat(regions.totalLength - regions.bucketsOffset).isEqualTo(3 * 16 * 4);
        assertThat(LoadHistoryDescriptor.BUCKET_LOADS_LENGTH).isEqualTo(LoadHistoryDescriptor.REGION_ALIGNMENT);
        assertThat(LoadHistoryDescriptor.blockCount(513)).isEqualTo(2);
        assertThat(LoadHistoryDescriptor.BLOCK_ROW_LENGTH / LoadHistoryDescriptor.REGION_ALIGNMENT)
            .isEqualTo(Long.SIZE);
    }

    /**
     * Guards the quantile against a sort-based scalar reference on random windows of every length (not only
     * multiples of the vector width), at several levels and quantiles, and the NaN rule.
     */
    @Test
    void shouldMatchSortedReferenceWhenTakingQuantiles() {
        final long seed = System.nanoTime();
        System.out.println("LoadHistoryStoreTest quantile seed=" + seed);
        final Random random = new Random(seed);
        final double[] scratch = new double[64];
        final double[] reference = new double[64];
        try (LoadHistory history = LoadHistory.inMemory(1, 0.5, new LoadHistory.Level(1, 64))) {
            for (int t = 0; t < 150; t++) {
                history.writeRow(0, random.nextInt(50), 0, 0, new long[KeySpace.BUCKET_COUNT]);
                history.completeTick();
                final int window = 1 + random.nextInt(history.length(0));
                final double q = random.nextInt(5) == 0 ? random.nextInt(2) : random.nextDouble();
                history.copySeries(Resource.INGEST_POINTS, 0, window, reference);
                Arrays.sort(reference, 0, window);
                final double expected = reference[Math.max(1, (int) Math.ceil(q * window)) - 1];
                assertThat(history.windowQuantile(0, Resource.INGEST_POINTS, 0, window, q, scratch))
                    .as("window %d q %f", window, q).isEqualTo(expected);
            }
            history.writeRow(0, Double.NaN, 0, 0, new long[KeySpace.BUCKET_COUNT]);
            history.completeTick();
            assertThat(history.windowQuantile(0, Resource.INGEST_POINTS, 0, 17, 0.5, scratch)).isNaN();
            assertThat(history.windowMean(Resource.INGEST_POINTS, 0, 17)).isNaN();
            assertThatThrownBy(() -> history.windowQuantile(0, Resource.INGEST_POINTS, 0, 5, 1.5, scratch))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("q=1.5");
        }
    }

    /** Guards the vectorized bucket distribution against the scalar definition, and its zero-load rule. */
    @Test
    void shouldMatchScalarSharesWhenDistributingBucketLoad() {
        final Random random = new Random(11);
        final double[] shares = new double[KeySpace.BUCKET_COUNT];
        try (LoadHistory history = new LoadHistory(2, 8, 0.5)) {
            final long[] buckets = new long[KeySpace.BUCKET_COUNT];
            for (int b = 0; b < buckets.length; b++) {
                buckets[b] = random.nextInt(100);
            }
            history.writeRow(0, 1, 1, 1, buckets);
            history.completeTick();
            history.bucketDistribution(0, shares);
            double total = 0;
            for (final long bucket : buckets) {
                total += bucket;
            }
            for (int b = 0; b < buckets.length; b++) {
                assertThat(shares[b]).isCloseTo(buckets[b] / total, within(1e-12));
            }
            history.bucketDistribution(1, shares);
            assertThat(shares).containsOnly(0.0);
        }
    }

    /** Guards lineage on the rolled-up levels: split children sum back to the parent, a merge is the sum. */
    @Test
    void shouldSumChildrenBackToParentAtEveryLevelWhenSeeded() {
        try (LoadHistory history = LoadHistory.inMemory(4, 0.5, LEVELS)) {
            for (int t = 0; t < 52; t++) {
                history.writeRow(0, 10 + t, 100 + t, t, new long[KeySpace.BUCKET_COUNT]);
                history.completeTick();
            }
            history.seedFromParent(1, 0, 0.3);
            history.seedFromParent(2, 0, 0.7);
            for (int l = 0; l < LEVELS.length; l++) {
                for (int ago = 0; ago < history.length(l, 0); ago++) {
                    for (final Resource r : Resource.VALUES) {
                        assertThat(history.value(l, r, 1, ago) + history.value(l, r, 2, ago))
                            .isCloseTo(history.value(l, r, 0, ago), within(1e-9));
                    }
                }
            }
            history.seedFromMerge(3, 1, 2);
            // The pending partial row is seeded too: the next roll-up of the merge equals the parent's.
            for (int t = 52; t < 60; t++) {
                history.writeRow(0, 1, 1, 1, new long[KeySpace.BUCKET_COUNT]);
                history.writeRow(3, 1, 1, 1, new long[KeySpace.BUCKET_COUNT]);
                history.completeTick();
            }
            assertThat(history.value(1, Resource.INGEST_POINTS, 3, 0))
                .isCloseTo(history.value(1, Resource.INGEST_POINTS, 0, 0), within(1e-9));
            assertThat(history.windowSum(2, Resource.INGEST_BYTES, 3, history.length(2, 3)))
                .isCloseTo(history.windowSum(2, Resource.INGEST_BYTES, 0, history.length(2, 3)), within(1e-9));
        }
    }

    /** Guards the hot paths of the store: rows with roll-ups, quantiles and distributions allocate nothing. */
    @Test
    void shouldNotAllocateWhenRollingUpAndQuerying() {
        final long before = NativeMemory.liveBytes(LoadHistory.MEMORY_OWNER);
        try (LoadHistory history = LoadHistory.inMemory(2, 0.5, LEVELS)) {
            final long[] buckets = new long[KeySpace.BUCKET_COUNT];
            final double[] scratch = new double[37];
            final double[] shares = new double[KeySpace.BUCKET_COUNT];
            final double[] sink = new double[1];
            for (int t = 0; t < LEVELS[2].ticksPerRow(); t++) {
                history.writeRow(1, 5, 6, 7, buckets);
                history.completeTick();
            }
            assertThat(AllocationMeter.allocatedBytes(50_000, () -> {
                history.writeRow(0, 5, 6, 7, buckets);
                history.writeRow(1, 5, 6, 7, buckets);
                history.completeTick();
                sink[0] += history.windowQuantile(0, Resource.INGEST_POINTS, 0, history.length(0), 0.9, scratch);
                sink[0] += history.windowMax(1, Resource.INGEST_POINTS, 1, history.length(1, 1));
                history.bucketDistribution(0, shares);
            })).isZero();
        }
        assertThat(NativeMemory.liveBytes(LoadHistory.MEMORY_OWNER)).isEqualTo(before);
    }
}
