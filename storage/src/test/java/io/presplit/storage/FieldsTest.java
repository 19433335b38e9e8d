package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.AllocationMeter;
import io.presplit.PresplitException;
import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.log.FieldSchema;
import io.presplit.storage.log.SegmentDescriptor;
import io.presplit.storage.meta.StoreFormatFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * Multi-field points (issue 3): a store's named float64 fields, fixed at creation in the format file; records that
 * carry one value per field through splits, merges, compaction and reopens; bad input refused with nothing
 * written; stores from before multi-field points opened as one field named {@code value}.
 */
@ExtendWith(LeakCheck.class)
final class FieldsTest {
    private static final long SEGMENT_BYTES = 8 * SegmentDescriptor.minSegmentLength(4);
    private static final FieldSchema FIELDS = FieldSchema.of("usage", "idle", "temp", "load");

    @TempDir
    private Path dataDirectory;

    private final LoadRecorder recorder = new LoadRecorder(4, 16);

    @AfterEach
    void closeRecorder() {
        recorder.close();
    }

    /**
     * Guards the data path of several fields end to end: every value of every point comes back in its field,
     * from the parent's sealed segments read through the children, from the merged partition, from a compacted
     * copy, and after a reopen; aggregates by field name agree with those by index.
     */
    @Test
    void shouldKeepEveryFieldWhenPointsCrossSplitMergeCompactionAndReopen() {
        final int points = 2_000;
        try (PartitionStore store = open(FIELDS)) {
            assertThat(store.fields()).isEqualTo(FIELDS);
            final PartitionWriter writer = store.openWriter();
            final double[] values = new double[FIELDS.count()];
            for (int i = 0; i < points; i++) {
                if (i == 500) {
                    split(store);
                } else if (i == 1_000) {
                    merge(store);
                }
                writer.write("host-" + (i % 13), i, values(i, values));
            }
            store.compact(3);
            store.deleteUnneededPartitions();
            assertThat(store.isCompacted(3)).isTrue();
            assertEveryPoint(store, points);
        }
        try (PartitionStore store = open(FIELDS)) {
            assertEveryPoint(store, points);
            final PartitionReader reader = store.openReader();
            final RangeAggregate byName = new RangeAggregate(true);
            final RangeAggregate byIndex = new RangeAggregate(false);
            for (int field = 0; field < FIELDS.count(); field++) {
                reader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, points, FIELDS.name(field), byName);
                reader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, points, field, byIndex);
                assertThat(byName.count()).isEqualTo(byIndex.count()).isEqualTo(points);
                // Field f of point i is i * (f + 1) - f: the extremes are those of points 0 and points - 1.
                assertThat(byName.min()).isEqualTo(byIndex.min()).isEqualTo(-field);
                assertThat(byName.max()).isEqualTo(byIndex.max()).isEqualTo((points - 1.0) * (field + 1) - field);
            }
        }
    }

    /**
     * Guards the input rules of multi-field writes: a wrong number of values, a NaN or an infinity in any field, a
     * single-value write to a store of several fields, and an unknown field name in an aggregate are refused with a
     * message naming what was wrong, and none of them writes or counts anything.
     */
    @Test
    void shouldRefuseBadInputWithClearMessageAndWriteNothing() {
        try (PartitionStore store = open(FIELDS)) {
            final PartitionWriter writer = store.openWriter();

            assertThatThrownBy(() -> writer.write("cpu", 1, new double[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("wrong number of values [seriesKey=cpu, values=3, fieldCount=4, fields=[usage, idle, "
                    + "temp, load]]");
            assertThatThrownBy(() -> writer.write("cpu", 1, new double[] {1, 2, Double.NaN, 4}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value must be finite [seriesKey=cpu, timestampNs=1, field=temp, value=NaN]");
            assertThatThrownBy(() -> writer.write("cpu", 1, new double[] {1, 2, 3, Double.POSITIVE_INFINITY}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("field=load, value=Infinity");
            assertThatThrownBy(() -> writer.write("cpu", 1, 1.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("one value given but the store has several fields");
            assertThatThrownBy(() -> writer.write("", 1, new double[] {1, 2, 3, 4}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("series key must not be empty");
            final PartitionReader reader = store.openReader();
            final RangeAggregate result = new RangeAggregate(true);
            assertThatThrownBy(() -> reader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 1, "usgae", result))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown field [field=usgae, fields=[usage, idle, temp, load]]");
            assertThatThrownBy(() -> reader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 1, 4, result))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fieldIndex=4");
            assertThatThrownBy(() -> reader.aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 1, result))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name the field");

            final int[] records = new int[1];
            store.scan((partitionId, record) -> records[0]++);
            assertThat(records[0]).isZero();
            assertThat(recorder.sumPoints(0)).isZero();
            assertThat(recorder.sumBytes(0)).isZero();
            assertThat(recorder.sumQueryCost(0)).isZero();
        }
    }

    /**
     * Guards the schema's own rules and its fit with the segment length: a schema with no field, an empty or
     * duplicate name, or more fields than the format holds is refused; so is a segment too short for one longest
     * record of that many fields.
     */
    @Test
    void shouldRefuseSchemaWhenNamesOrSegmentLengthAreInvalid() {
        assertThatThrownBy(FieldSchema::of).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("fieldCount=0");
        assertThatThrownBy(() -> FieldSchema.of("a", "")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("invalid field name length [field=, lengthBytes=0");
        assertThatThrownBy(() -> FieldSchema.of("a", "b", "a")).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("duplicate field name [field=a, fields=[a, b, a]]");
        assertThatThrownBy(() -> FieldSchema.of("a\nb")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("control character");
        final String[] tooMany = new String[SegmentDescriptor.MAX_FIELD_COUNT + 1];
        for (int i = 0; i < tooMany.length; i++) {
            tooMany[i] = "f" + i;
        }
        assertThatThrownBy(() -> FieldSchema.of(tooMany)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("fieldCount=65, min=1, max=64");
        assertThatThrownBy(() -> StoreOptions.of(Durability.ASYNC)
            .withSegmentLengthBytes(SegmentDescriptor.MIN_SEGMENT_LENGTH).withFields(FIELDS))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("minLengthBytes=" + SegmentDescriptor.minSegmentLength(4))
            .hasMessageContaining("fieldCount=4");
    }

    /**
     * Guards the schema fixed at creation: a store opened with other fields (other names, order or count) is
     * refused with {@code STORE_FORMAT_MISMATCH} naming both schemas, before anything is read or written.
     */
    @Test
    void shouldRefuseOpenWhenFieldsDifferFromThoseTheStoreWasCreatedWith() {
        try (PartitionStore store = open(FIELDS)) {
            store.openWriter().write("cpu", 1, new double[] {1, 2, 3, 4});
        }
        for (final FieldSchema other : List.of(FieldSchema.SINGLE, FieldSchema.of("usage", "idle", "load", "temp"),
            FieldSchema.of("usage", "idle", "temp", "load", "extra"))) {
            assertThatThrownBy(() -> open(other).close())
                .isInstanceOf(PresplitException.class)
                .hasMessageContaining("store was created with other fields")
                .hasMessageContaining("storedFields=[usage, idle, temp, load]")
                .hasMessageContaining("requestedFields=" + other)
                .extracting(e -> ((PresplitException) e).code()).isEqualTo("STORE_FORMAT_MISMATCH");
        }
    }

    /**
     * Guards stores written before multi-field points: version 1 segment headers (no field count, checksum at 80)
     * and a version 1 format file must open as one field named {@code value}, return their points, take new
     * writes (new segments in version 2) and split; asked for other fields, such a store is refused.
     */
    @Test
    void shouldOpenVersionOneStoreAsOneFieldNamedValue() throws IOException {
        try (PartitionStore store = open(FieldSchema.SINGLE)) {
            final PartitionWriter writer = store.openWriter();
            for (int i = 0; i < 100; i++) {
                writer.write("host-" + (i % 5), i, i);
            }
        }
        downgradeToVersionOne();

        assertThatThrownBy(() -> open(FIELDS).close()).isInstanceOf(PresplitException.class)
            .hasMessageContaining("storedFields=[value]");
        try (PartitionStore store = open(FieldSchema.SINGLE)) {
            assertThat(store.fields()).isEqualTo(FieldSchema.SINGLE);
            assertThat(values(store)).hasSize(100);
            final PartitionWriter writer = store.openWriter();
            for (int i = 100; i < 300; i++) {
                writer.write("host-" + (i % 5), i, i);
            }
            split(store);
            writer.write("host-0", 300, 300);
        }
        try (PartitionStore store = open(FieldSchema.SINGLE)) {
            final List<Double> values = values(store);
            assertThat(values).hasSize(301);
            assertThat(values.stream().mapToDouble(Double::doubleValue).sum()).isEqualTo(300.0 * 301 / 2);
            final RangeAggregate result = new RangeAggregate(true);
            store.openReader().aggregate(KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0, 300, "value", result);
            assertThat(result.count()).isEqualTo(301);
        }
    }

    /**
     * Guards the write path's allocation contract with several fields: once warm, a four-field write through a
     * caller-owned array allocates nothing.
     */
    @Test
    void shouldNotAllocateWhenWritingFourFieldsOnceWarm() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder,
            StoreOptions.of(Durability.ASYNC).withFields(FIELDS))) {
            final PartitionWriter writer = store.openWriter();
            final String[] keys = {"cpu,host=a", "cpu,host=b", "mem,host=a", "disk,host=c"};
            final double[] values = new double[FIELDS.count()];
            for (int i = 0; i < 100_000; i++) {
                writer.write(keys[i & 3], i, values(i, values));
            }
            final int[] i = {0};
            final long allocatedBytes = AllocationMeter.allocatedBytes(10_000, () -> {
                writer.write(keys[i[0] & 3], i[0], values(i[0], values));
                i[0]++;
            });

            assertThat(allocatedBytes).as("bytes allocated by 10,000 warm four-field writes").isLessThan(1_000);
        }
    }

    /** Field f of point i: i * (f + 1) - f (distinct per field, exact in binary64). */
    private static double[] values(final int i, final double[] values) {
        for (int f = 0; f < values.length; f++) {
            values[f] = (double) i * (f + 1) - f;
        }
        return values;
    }

    private static void assertEveryPoint(final PartitionStore store, final int points) {
        final boolean[] seen = new boolean[points];
        store.scan((partitionId, record) -> {
            final int i = (int) record.timestampNs();
            assertThat(record.fieldCount()).isEqualTo(FIELDS.count());
            for (int f = 0; f < FIELDS.count(); f++) {
                assertThat(record.value(f)).as("point %d field %d", i, f).isEqualTo((double) i * (f + 1) - f);
            }
            assertThat(record.seriesKey()).isEqualTo("host-" + (i % 13));
            assertThat(seen[i]).as("point %d seen twice", i).isFalse();
            seen[i] = true;
        });
        for (int i = 0; i < points; i++) {
            assertThat(seen[i]).as("point %d", i).isTrue();
        }
    }

    private static void split(final PartitionStore store) {
        final Txn split = Txn.split(1, 0, KeySpace.MAX_KEY / 2, 1, 1, 2, 2);
        assertThat(store.prepare(split)).isTrue();
        store.commit(split);
    }

    private static void merge(final PartitionStore store) {
        final Txn merge = Txn.merge(2, 1, 2, 3, 3);
        assertThat(store.prepare(merge)).isTrue();
        store.commit(merge);
    }

    private static List<Double> values(final PartitionStore store) {
        final List<Double> values = new ArrayList<>();
        store.scan((partitionId, record) -> values.add(record.value()));
        return values;
    }

    /**
     * Rewrites the closed store as the code before multi-field points wrote it: each segment header as version 1
     * (field count word dropped, checksum of bytes [0, 80) at 80, zero at 84) and the 16-byte version 1 format
     * file. One-field records are the same bytes in both versions.
     */
    private void downgradeToVersionOne() throws IOException {
        final List<Path> segments;
        try (Stream<Path> files = Files.walk(dataDirectory.resolve(PartitionStore.PARTITIONS_DIRECTORY))) {
            segments = files.filter(file -> SegmentDescriptor.segmentIndex(file.getFileName().toString()) >= 0)
                .toList();
        }
        assertThat(segments).isNotEmpty();
        for (final Path segment : segments) {
            final byte[] header = new byte[SegmentDescriptor.HEADER_CHECKSUM_OFFSET_V1];
            SegmentFiles.read(segment, 0, header.length).get(header);
            ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(SegmentDescriptor.VERSION_OFFSET, SegmentDescriptor.FORMAT_VERSION_ONE_FIELD);
            final CRC32C crc = new CRC32C();
            crc.update(header, 0, header.length);
            final byte[] tail = ByteBuffer.allocate(2 * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) crc.getValue()).putInt(0).array();
            SegmentFiles.write(segment, 0, header);
            SegmentFiles.write(segment, SegmentDescriptor.HEADER_CHECKSUM_OFFSET_V1, tail);
        }
        final byte[] format = new byte[StoreFormatFile.LENGTH_V1];
        final ByteBuffer buffer = ByteBuffer.wrap(format).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(StoreFormatFile.MAGIC_OFFSET, StoreFormatFile.MAGIC);
        buffer.putInt(StoreFormatFile.VERSION_OFFSET, StoreFormatFile.VERSION_ONE_FIELD);
        buffer.putInt(StoreFormatFile.KEY_ORDER_OFFSET, 0);
        final CRC32C crc = new CRC32C();
        crc.update(format, 0, StoreFormatFile.CHECKSUM_OFFSET_V1);
        buffer.putInt(StoreFormatFile.CHECKSUM_OFFSET_V1, (int) crc.getValue());
        Files.write(dataDirectory.resolve(StoreFormatFile.FILE_NAME), format);
    }

    private PartitionStore open(final FieldSchema fields) {
        return PartitionStore.open(dataDirectory, recorder,
            StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(SEGMENT_BYTES).withFields(fields));
    }
}
