package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.presplit.AllocationMeter;
import io.presplit.coordinate.PartitionParticipant.PartitionView;
import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.log.FieldSchema;
import io.presplit.storage.log.SegmentDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Range queries and aggregates across lineage, checked against a plain in-memory model under random writes,
 * splits, merges and reopens (property test; seed printed, {@code -Dpresplit.query.seed} to replay), for stores of
 * one field and of several.
 */
@ExtendWith(LeakCheck.class)
final class QueryTest {
    private static final long SEGMENT_BYTES = 8 * SegmentDescriptor.MIN_SEGMENT_LENGTH;
    private static final int SLOTS = 256;
    private static final int STEPS = 60;

    @TempDir
    private Path dataDirectory;

    private final LoadRecorder recorder = new LoadRecorder(64, SLOTS);

    @AfterEach
    void closeRecorder() {
        recorder.close();
    }

    /** A point of the model: one value per field. */
    private record ModelPoint(long key, long timestampNs, List<Double> values) {
        double value(final int field) {
            return values.get(field);
        }
    }

    /**
     * Guards the query path end to end: for random key and time ranges, after random splits, merges and
     * compactions with deletions of unneeded ancestors (so that points sit in sealed ancestors, compacted copies,
     * rolled segments with time indexes and open tails), the points returned must be exactly the model's, each once,
     * and the aggregates (Vector API and scalar) must match the model's count, min, max exactly and its sum within
     * rounding, for every field (chosen by index or by name). Also guards the query load: every record examined is
     * counted under some live partition's slot. With one field the points go through the single-value write, with
     * several through the array write (one array reused for every point, as callers are told to).
     */
    @ParameterizedTest(name = "fields={0}")
    @ValueSource(ints = {1, 3})
    void shouldMatchModelWhenQueryingRangesAcrossSplitsMergesAndReopens(final int fieldCount) {
        final long seed = Long.getLong("presplit.query.seed", System.nanoTime());
        System.out.println("QueryTest fields=" + fieldCount + " seed=" + seed);
        final SplittableRandom random = new SplittableRandom(seed);
        final List<ModelPoint> model = new ArrayList<>();
        final FieldSchema fields = fieldCount == 1 ? FieldSchema.SINGLE : FieldSchema.of("usage", "idle", "temp");
        final double[] values = new double[fieldCount];
        long nextTxId = 1;
        PartitionStore store = open(fields);
        try {
            PartitionWriter writer = store.openWriter();
            PartitionReader reader = store.openReader();
            for (int step = 0; step < STEPS; step++) {
                final int points = random.nextInt(1, 200);
                for (int i = 0; i < points; i++) {
                    final String series = "s-" + random.nextInt(500);
                    final long timestampNs = random.nextLong(1_000_000);
                    final List<Double> boxed = new ArrayList<>(fieldCount);
                    for (int f = 0; f < fieldCount; f++) {
                        values[f] = random.nextDouble(-1e6, 1e6);
                        boxed.add(values[f]);
                    }
                    if (fieldCount == 1) {
                        writer.write(series, timestampNs, values[0]);
                    } else {
                        writer.write(series, timestampNs, values);
                    }
                    model.add(new ModelPoint(KeySpace.partitionKey(series), timestampNs, boxed));
                }
                final int action = random.nextInt(10);
                if (action < 3) {
                    nextTxId = splitOrMerge(store, random, nextTxId);
                } else if (action == 4) {
                    // Compaction at random moments: one live partition, then whatever no reader needs any more.
                    final List<PartitionView> live = store.livePartitions();
                    store.compact(live.get(random.nextInt(live.size())).partitionId());
                    store.deleteUnneededPartitions();
                } else if (action == 3) {
                    store.close();
                    store = open(fields);
                    writer = store.openWriter();
                    reader = store.openReader();
                }
                checkQuery(reader, model, random, "seed=" + seed + " step=" + step);
            }
        } finally {
            store.close();
        }
    }

    /**
     * Guards the query path's allocation contract: once warm (time indexes built, code compiled), an aggregate
     * across lineage allocates nothing, so that dashboards polling aggregates do not feed the garbage collector.
     */
    @Test
    void shouldNotAllocateWhenAggregatingOnceWarm() {
        try (PartitionStore store = open()) {
            final PartitionWriter writer = store.openWriter();
            for (int i = 0; i < 3_000; i++) {
                if (i == 1_500) {
                    final Txn split = Txn.split(1, 0, KeySpace.MAX_KEY / 2, 1, 1, 2, 2);
                    assertThat(store.prepare(split)).isTrue();
                    store.commit(split);
                }
                writer.write("s-" + (i % 50), i, i);
            }
            final PartitionReader reader = store.openReader();
            final RangeAggregate result = new RangeAggregate(true);
            for (int i = 0; i < 20_000; i++) {
                reader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, i % 3_000, 3_000, result);
            }
            final int[] from = new int[1];
            final long allocatedBytes = AllocationMeter.allocatedBytes(1_000, () -> {
                from[0] = (from[0] + 1) % 1_000;
                reader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, from[0], 3_000, result);
            });
            assertThat(allocatedBytes).as("bytes allocated by 1,000 warm aggregates").isLessThan(1_000);
            reader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, 999, 3_000, result);
            assertThat(result.count()).isEqualTo(3_000 - 999);
        }
    }

    /** Guards input checks: an inverted or negative range is refused before anything is read or counted. */
    @Test
    void shouldRejectInvalidRangeWhenQuerying() {
        try (PartitionStore store = open()) {
            final PartitionReader reader = store.openReader();
            assertThatThrownBy(() -> reader.query(10, 5, 0, 1, (id, record) -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keyLo=10");
            assertThatThrownBy(() -> reader.aggregate(0, 5, 2, 1, new RangeAggregate(true)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fromNs=2");
            assertThat(recorder.sumQueryCost(0)).isZero();
        }
    }

    /**
     * Guards the Vector API kernel against its scalar reference on edge values: batches that are not a multiple
     * of the lane count, negative zeros, infinities, and more values than one batch.
     */
    @Test
    void shouldAgreeWithScalarReferenceWhenAggregatingEdgeValues() {
        final RangeAggregate vector = new RangeAggregate(true);
        final RangeAggregate scalar = new RangeAggregate(false);
        final double[] values = {-0.0, 0.0, 1.5, Double.POSITIVE_INFINITY, -7, Double.MIN_VALUE};
        for (int i = 0; i < RangeAggregate.BATCH_LENGTH * 2 + 3; i++) {
            vector.add(values[i % values.length]);
            scalar.add(values[i % values.length]);
        }
        vector.finish();
        scalar.finish();
        assertThat(vector.count()).isEqualTo(scalar.count()).isEqualTo(RangeAggregate.BATCH_LENGTH * 2 + 3);
        assertThat(vector.min()).isEqualTo(-7);
        assertThat(vector.max()).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(vector.sum()).isEqualTo(scalar.sum());
        final RangeAggregate empty = new RangeAggregate(true);
        empty.finish();
        assertThat(empty.count()).isZero();
        assertThat(empty.mean()).isNaN();
        assertThat(empty.min()).isNaN();
    }

    private void checkQuery(final PartitionReader reader, final List<ModelPoint> model, final SplittableRandom random,
        final String context) {
        final long a = random.nextLong(KeySpace.MAX_KEY);
        final long b = random.nextLong(KeySpace.MAX_KEY);
        final long keyLo = random.nextInt(4) == 0 ? KeySpace.MIN_KEY : Math.min(a, b);
        final long keyHi = random.nextInt(4) == 0 ? KeySpace.MAX_KEY : Math.max(a, b);
        final long t1 = random.nextLong(1_000_000);
        final long t2 = random.nextLong(1_000_000);
        final long fromNs = Math.min(t1, t2);
        final long toNs = Math.max(t1, t2);

        final List<ModelPoint> expected = model.stream()
            .filter(p -> p.key() >= keyLo && p.key() <= keyHi && p.timestampNs() >= fromNs && p.timestampNs() <= toNs)
            .sorted(Comparator.comparingDouble(p -> p.value(0))).toList();
        final List<ModelPoint> actual = new ArrayList<>();
        final long costBefore = totalQueryCost();
        final long examined = reader.query(keyLo, keyHi, fromNs, toNs, (partitionId, record) -> {
            final List<Double> values = new ArrayList<>(record.fieldCount());
            for (int f = 0; f < record.fieldCount(); f++) {
                values.add(record.value(f));
            }
            actual.add(new ModelPoint(record.partitionKey(), record.timestampNs(), values));
        });
        assertThat(totalQueryCost() - costBefore).as(context).isEqualTo(examined);
        assertThat(examined).as(context).isGreaterThanOrEqualTo(actual.size());
        actual.sort(Comparator.comparingDouble(p -> p.value(0)));
        assertThat(actual).as(context).isEqualTo(expected);

        final FieldSchema fields = reader.fields();
        for (int field = 0; field < fields.count(); field++) {
            checkAggregate(reader, expected, keyLo, keyHi, fromNs, toNs, field, random.nextBoolean(),
                context + " field=" + fields.name(field));
        }
    }

    private static void checkAggregate(final PartitionReader reader, final List<ModelPoint> expected,
        final long keyLo, final long keyHi, final long fromNs, final long toNs, final int field,
        final boolean isByName, final String context) {
        final RangeAggregate vector = new RangeAggregate(true);
        final RangeAggregate scalar = new RangeAggregate(false);
        if (isByName) {
            final String name = reader.fields().name(field);
            reader.aggregate(keyLo, keyHi, fromNs, toNs, name, vector);
            reader.aggregate(keyLo, keyHi, fromNs, toNs, name, scalar);
        } else if (reader.fields().count() == 1) {
            reader.aggregate(keyLo, keyHi, fromNs, toNs, vector);
            reader.aggregate(keyLo, keyHi, fromNs, toNs, scalar);
        } else {
            reader.aggregate(keyLo, keyHi, fromNs, toNs, field, vector);
            reader.aggregate(keyLo, keyHi, fromNs, toNs, field, scalar);
        }
        double sum = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (final ModelPoint point : expected) {
            sum += point.value(field);
            min = Math.min(min, point.value(field));
            max = Math.max(max, point.value(field));
        }
        for (final RangeAggregate aggregate : List.of(vector, scalar)) {
            assertThat(aggregate.fieldIndex()).as(context).isEqualTo(field);
            assertThat(aggregate.count()).as(context).isEqualTo(expected.size());
            if (!expected.isEmpty()) {
                assertThat(aggregate.min()).as(context).isEqualTo(min);
                assertThat(aggregate.max()).as(context).isEqualTo(max);
                assertThat(aggregate.sum()).as(context).isCloseTo(sum, within(1e-6 * expected.size()));
                assertThat(aggregate.mean()).as(context).isCloseTo(sum / expected.size(), within(1e-3));
            }
        }
    }

    private long totalQueryCost() {
        long total = 0;
        for (int slot = 0; slot < SLOTS; slot++) {
            total += recorder.sumQueryCost(slot);
        }
        return total;
    }

    private static long splitOrMerge(final PartitionStore store, final SplittableRandom random, final long txId) {
        final List<PartitionView> live = store.livePartitions();
        final long child = store.maxPartitionId() + 1;
        if (child + 2 >= SLOTS) {
            return txId;
        }
        final Txn txn;
        if (live.size() == 1 || (live.size() < 6 && random.nextBoolean())) {
            final PartitionView parent = live.get(random.nextInt(live.size()));
            final long splitKey = parent.keyLo() + 1 + random.nextLong(parent.keyHi() - parent.keyLo());
            txn = Txn.split(txId, parent.partitionId(), splitKey, child, (int) child, child + 1, (int) child + 1);
        } else {
            final int lower = random.nextInt(live.size() - 1);
            txn = Txn.merge(txId, live.get(lower).partitionId(), live.get(lower + 1).partitionId(), child,
                (int) child);
        }
        assertThat(store.prepare(txn)).isTrue();
        store.commit(txn);
        return txId + 1;
    }

    private PartitionStore open() {
        return open(FieldSchema.SINGLE);
    }

    private PartitionStore open(final FieldSchema fields) {
        return PartitionStore.open(dataDirectory, recorder,
            StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(SEGMENT_BYTES).withFields(fields));
    }
}
