package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.PresplitException;
import io.presplit.coordinate.PartitionParticipant.PartitionView;
import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.log.SegmentDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Compaction (spec 005): a live partition's share of its sealed ancestors' records copied into its own compacted
 * log, reads switched to it, and ancestors no partition reads any more deleted.
 */
@ExtendWith(LeakCheck.class)
final class CompactionTest {
    private static final long SEGMENT_BYTES = 4 * SegmentDescriptor.MIN_SEGMENT_LENGTH;
    private static final long HALF = KeySpace.MAX_KEY / 2 + 1;
    private static final long QUARTER = HALF / 2;
    /** 0 → 1 [0, HALF) + 2 [HALF, MAX]. */
    private static final Txn SPLIT_ROOT = Txn.split(1, 0, HALF, 1, 1, 2, 2);
    /** 1 → 3 [0, QUARTER) + 4 [QUARTER, HALF). */
    private static final Txn SPLIT_LOWER = Txn.split(2, 1, QUARTER, 3, 3, 4, 4);
    /** 4 + 2 → 5 [QUARTER, MAX]. */
    private static final Txn MERGE_UPPER = Txn.merge(3, 4, 2, 5, 5);

    @TempDir
    private Path directory;
    private LoadRecorder recorder;
    private int nextValue;

    @BeforeEach
    void openRecorder() {
        recorder = new LoadRecorder(64, 16);
    }

    @AfterEach
    void closeRecorder() {
        FileOps.disarm();
        recorder.close();
    }

    /**
     * Guards the read contract of compaction: queries (every point once, aggregates) give the same answers before,
     * while a reader thread queries during the copy, the switch and the deletions, after, and after a reopen; the
     * sealed ancestors are deleted once every live descendant is compacted, and the store keeps taking writes.
     */
    @Test
    @Timeout(60)
    void shouldAnswerTheSameBeforeDuringAndAfterCompaction() throws Exception {
        final Map<Double, Integer> written = new HashMap<>();
        try (PartitionStore store = open(StoreOptions.of(Durability.ASYNC))) {
            buildLineage(store, written);
            final Answers before = answers(store);
            assertThat(before.points()).isEqualTo(written);

            final AtomicBoolean isReading = new AtomicBoolean(true);
            final AtomicReference<String> mismatch = new AtomicReference<>();
            final Thread reader = Thread.ofPlatform().start(() -> {
                final PartitionReader partitionReader = store.openReader();
                final RangeAggregate aggregate = new RangeAggregate(true);
                while (isReading.get() && mismatch.get() == null) {
                    partitionReader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, Long.MAX_VALUE, aggregate);
                    if (aggregate.count() != before.count() || aggregate.sum() != before.sum()) {
                        mismatch.set("count=" + aggregate.count() + " sum=" + aggregate.sum());
                    }
                }
            });
            for (final PartitionView live : store.livePartitions()) {
                store.compact(live.partitionId());
            }
            assertThat(store.deleteUnneededPartitions()).as("sealed ancestors deleted").isEqualTo(4);
            isReading.set(false);
            reader.join();
            assertThat(mismatch.get()).as("aggregate seen during compaction").isNull();

            assertThat(answers(store)).isEqualTo(before);
            assertThat(store.partitionIds()).containsExactly(3L, 5L);
            assertThat(partitionDirectories()).containsExactlyInAnyOrder("3", "5");
            assertThat(store.compactions()).isEqualTo(2);
            assertThat(store.compactedBytes()).isPositive();
        }
        try (PartitionStore store = open(StoreOptions.of(Durability.ASYNC))) {
            assertThat(store.isCompacted(3)).isTrue();
            assertThat(store.isCompacted(5)).isTrue();
            assertThat(answers(store).points()).isEqualTo(written);
            final PartitionWriter writer = store.openWriter();
            write(writer, 100, written);
            assertThat(answers(store).points()).isEqualTo(written);
            // A compacted partition splits like any other; its children read its compacted log.
            final Txn split = Txn.split(4, 5, HALF, 6, 6, 7, 7);
            assertThat(store.prepare(split)).isTrue();
            store.commit(split);
            assertThat(answers(store).points()).isEqualTo(written);
            store.compact(6);
            store.compact(7);
            assertThat(store.deleteUnneededPartitions()).isEqualTo(1);
            assertThat(answers(store).points()).isEqualTo(written);
        }
    }

    /**
     * Guards the cost API against what compaction does and against a direct count: for candidate split keys the
     * predicted bytes per child equal the bytes of the partition's readable records on each side, and after the
     * split each child's compaction moves exactly its predicted bytes.
     */
    @Test
    void shouldMoveExactlyWhatSplitCostPredicted() {
        try (PartitionStore store = open(StoreOptions.of(Durability.ASYNC))) {
            final Map<Double, Integer> written = new HashMap<>();
            final PartitionWriter writer = store.openWriter();
            write(writer, 500, written);
            commit(store, SPLIT_ROOT);
            write(writer, 300, written);
            final long[] candidates = {QUARTER / 3, QUARTER, QUARTER + 12_345, HALF - 1};
            final List<SplitCost> costs = store.splitCost(1, candidates);
            assertThat(costs).hasSize(candidates.length);
            for (int i = 0; i < candidates.length; i++) {
                final long key = candidates[i];
                final long[] direct = new long[2];
                store.scanPartition(1, (partitionId, record) ->
                    direct[record.partitionKey() < key ? 0 : 1] += record.lengthBytes());
                assertThat(costs.get(i).splitKey()).isEqualTo(key);
                assertThat(costs.get(i).lowerChildBytes()).as("below %d", key).isEqualTo(direct[0]);
                assertThat(costs.get(i).upperChildBytes()).as("at or above %d", key).isEqualTo(direct[1]);
            }
            final SplitCost atQuarter = costs.get(1);
            commit(store, SPLIT_LOWER);
            assertThat(store.compact(3)).isEqualTo(atQuarter.lowerChildBytes());
            assertThat(store.compact(4)).isEqualTo(atQuarter.upperChildBytes());
            assertThat(store.compactedBytes()).isEqualTo(atQuarter.totalBytes());

            final long mergeCost = store.mergeCost(4, 2);
            final long[] direct = new long[1];
            store.scanPartition(4, (partitionId, record) -> direct[0] += record.lengthBytes());
            store.scanPartition(2, (partitionId, record) -> direct[0] += record.lengthBytes());
            assertThat(mergeCost).isEqualTo(direct[0]);
            commit(store, MERGE_UPPER);
            assertThat(store.compact(5)).isEqualTo(mergeCost);
            assertThat(answers(store).points()).isEqualTo(written);
        }
    }

    /**
     * Guards crash safety step by step (STYLE.md §10): for N = 1, 2, ... the Nth file-system call of the
     * compactions and deletions fails; the store is closed as it is and reopened. Every point is there exactly
     * once, no work or deletion directory is left, every directory is a committed partition, and compacting again
     * finishes the job. The loop ends at the first N the whole sequence completes without reaching.
     */
    @Test
    @Timeout(120)
    void shouldLoseAndDuplicateNothingWhenAnyCallOfCompactionFails() throws IOException {
        int n = 1;
        for (; ; n++) {
            final Path run = directory.resolve("run-" + n);
            final Map<Double, Integer> written = new HashMap<>();
            nextValue = 0;
            boolean isFired;
            try (LoadRecorder runRecorder = new LoadRecorder(8, 16);
                 PartitionStore store = PartitionStore.open(run, runRecorder, deterministic())) {
                buildLineage(store, written);
                FileOps.failNthCall(n);
                try {
                    compactEverything(store);
                } catch (final PresplitException e) {
                    assertThat(e.getMessage()).as("n=%d", n).contains(FileOps.INJECTED_FAILURE);
                }
                isFired = FileOps.lastInjected() != null;
                FileOps.disarm();
            }
            final String context = "n=" + n + " " + FileOps.lastInjected();
            try (LoadRecorder runRecorder = new LoadRecorder(8, 16);
                 PartitionStore store = PartitionStore.open(run, runRecorder, deterministic())) {
                verifyAfterReopen(store, run, written, context);
                compactEverything(store);
                verifyAfterReopen(store, run, written, context);
                assertThat(store.partitionIds()).as(context).containsExactly(3L, 5L);
            }
            if (!isFired) {
                break;
            }
        }
        System.out.println("CompactionTest: file-system calls of compaction and deletion = " + (n - 1));
        assertThat(n - 1).as("file-system calls of two compactions and four deletions").isGreaterThanOrEqualTo(15);
    }

    /**
     * Guards the background compaction and its budget: with a budget, the compaction thread compacts every live
     * partition and deletes the ancestors by itself, no faster than the budget allows, and counts the bytes.
     */
    @Test
    @Timeout(60)
    void shouldCompactInBackgroundWithinBudget() throws InterruptedException {
        final long budget = 4L << 20;
        final Map<Double, Integer> written = new HashMap<>();
        final long startNs;
        try (PartitionStore store = open(StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(8L << 20)
            .withCompactionBytesPerSecond(budget))) {
            final PartitionWriter writer = store.openWriter();
            write(writer, 20_000, written);
            final long[] total = new long[1];
            store.scan((partitionId, record) -> total[0] += record.lengthBytes());
            startNs = System.nanoTime();
            commit(store, SPLIT_ROOT);
            while (store.deletedPartitions() < 1) {
                Thread.sleep(10);
            }
            final long elapsedNs = System.nanoTime() - startNs;
            assertThat(store.compactedBytes()).isEqualTo(total[0]);
            final double minimumNs = (double) total[0] / budget * TimeUnit.SECONDS.toNanos(1)
                - 2 * CompactionBudget.BURST_NS;
            assertThat((double) elapsedNs).as("copied %d bytes at %d B/s", total[0], budget)
                .isGreaterThanOrEqualTo(minimumNs);
            assertThat(store.compactionFailures()).isZero();
            assertThat(answers(store).points()).isEqualTo(written);
        }
    }

    private void verifyAfterReopen(final PartitionStore store, final Path run, final Map<Double, Integer> written,
        final String context) throws IOException {
        assertThat(answers(store).points()).as("every point exactly once, %s", context).isEqualTo(written);
        final Map<Double, Integer> viaPartitions = new HashMap<>();
        for (final PartitionView view : store.livePartitions()) {
            store.scanPartition(view.partitionId(), (partitionId, record) ->
                viaPartitions.merge(record.value(), 1, Integer::sum));
        }
        assertThat(viaPartitions).as("per partition, %s", context).isEqualTo(written);
        try (Stream<Path> entries = Files.list(run.resolve(PartitionStore.PARTITIONS_DIRECTORY))) {
            final List<Path> all = entries.toList();
            assertThat(all).as("only committed partitions' directories, %s", context)
                .hasSize(store.committedPartitionCount());
            for (final Path partition : all) {
                assertThat(partition.resolve(PartitionStore.COMPACTING_DIRECTORY)).as(context).doesNotExist();
            }
        }
    }

    private static void compactEverything(final PartitionStore store) {
        for (final PartitionView live : store.livePartitions()) {
            store.compact(live.partitionId());
        }
        store.deleteUnneededPartitions();
    }

    /** Writes, splits the root, splits the lower child, merges the upper pair: four sealed ancestors (0, 1, 2, 4). */
    private void buildLineage(final PartitionStore store, final Map<Double, Integer> written) {
        final PartitionWriter writer = store.openWriter();
        write(writer, 300, written);
        commit(store, SPLIT_ROOT);
        write(writer, 300, written);
        commit(store, SPLIT_LOWER);
        write(writer, 300, written);
        commit(store, MERGE_UPPER);
        write(writer, 100, written);
    }

    private void write(final PartitionWriter writer, final int points, final Map<Double, Integer> written) {
        for (int i = 0; i < points; i++) {
            final int value = nextValue++;
            writer.write("series-" + (value % 97), value, value);
            written.merge((double) value, 1, Integer::sum);
        }
    }

    private static void commit(final PartitionStore store, final Txn txn) {
        assertThat(store.prepare(txn)).isTrue();
        store.commit(txn);
    }

    /** Every point (value → times seen) and the whole-range aggregate. */
    private record Answers(Map<Double, Integer> points, long count, double sum) {
    }

    private static Answers answers(final PartitionStore store) {
        final Map<Double, Integer> points = new HashMap<>();
        store.scan((partitionId, record) -> points.merge(record.value(), 1, Integer::sum));
        final RangeAggregate aggregate = new RangeAggregate(false);
        final PartitionReader reader = store.openReader();
        reader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, Long.MAX_VALUE, aggregate);
        return new Answers(points, aggregate.count(), aggregate.sum());
    }

    private List<String> partitionDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(directory.resolve("data").resolve(
            PartitionStore.PARTITIONS_DIRECTORY))) {
            return new ArrayList<>(entries.map(path -> path.getFileName().toString()).toList());
        }
    }

    private PartitionStore open(final StoreOptions options) {
        return PartitionStore.open(directory.resolve("data"), recorder, options.withSegmentLengthBytes(
            Math.max(SEGMENT_BYTES, options.segmentLengthBytes() == PartitionStore.DEFAULT_SEGMENT_LENGTH_BYTES
                ? SEGMENT_BYTES : options.segmentLengthBytes())));
    }

    private static StoreOptions deterministic() {
        // No background segment creation: its file-system calls would make call N nondeterministic.
        // One segment per partition keeps the loop short (a deletion makes a few calls per segment file).
        return StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(256L << 10)
            .withPreallocatingSegments(false);
    }
}
