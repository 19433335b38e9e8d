package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.PresplitException;
import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.internal.FileOps;
import io.presplit.storage.log.FieldSchema;
import io.presplit.storage.log.SegmentDescriptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Damaged data on disk: every case is either recovered to exactly the intact data or refused with a
 * {@link PresplitException} ({@link FileOps#STORAGE_CORRUPT}) that names the file and, for a record, its offset.
 * Never wrong data silently.
 */
@ExtendWith(LeakCheck.class)
final class CorruptionTest {
    private static final long SMALL_SEGMENT_BYTES = 4 * SegmentDescriptor.MIN_SEGMENT_LENGTH;
    private static final long LARGE_SEGMENT_BYTES = 64 * SegmentDescriptor.MIN_SEGMENT_LENGTH;
    private static final FieldSchema FOUR_FIELDS = FieldSchema.of("a", "b", "c", "d");

    @TempDir
    private Path dataDirectory;

    private final LoadRecorder recorder = new LoadRecorder(2, 8);

    @AfterEach
    void closeRecorder() {
        recorder.close();
    }

    /**
     * Guards sealed data: a flipped bit inside a record of a rolled segment (bit rot, a bad sector) must fail the
     * open with the file and the record's offset, not drop or return the record.
     */
    @Test
    void shouldRefuseOpenNamingFileAndOffsetWhenByteFlippedInSealedSegment() throws IOException {
        writePoints(SMALL_SEGMENT_BYTES, 200);
        final Path segment = SegmentFiles.segment(dataDirectory, 0, 0);
        assertThat(SegmentFiles.readLong(segment, SegmentDescriptor.SEAL_STATE_OFFSET))
            .isEqualTo(SegmentDescriptor.STATE_ROLLED);
        final long offset = SegmentDescriptor.FIRST_RECORD_OFFSET;
        flipByte(segment, offset + SegmentDescriptor.TIMESTAMP_OFFSET + 2);

        assertCorrupt(SMALL_SEGMENT_BYTES, "invalid record before the sealed tail", segment.toString(),
            "offset=" + offset, "checksum mismatch");
    }

    /**
     * Guards open segments against mistaking corruption for a torn tail: a damaged record followed by intact ones
     * was published (its length word is set), so cutting the log there would silently drop every later point.
     */
    @Test
    void shouldRefuseOpenWhenCorruptRecordIsFollowedByValidRecordsInOpenSegment() throws IOException {
        final List<Long> offsets = writePoints(LARGE_SEGMENT_BYTES, 10);
        final Path segment = SegmentFiles.segment(dataDirectory, 0, 0);
        flipByte(segment, offsets.get(3) + SegmentDescriptor.FIRST_VALUE_OFFSET + 1);

        assertCorrupt(LARGE_SEGMENT_BYTES, "corrupt record followed by valid records", segment.toString(),
            "offset=" + offsets.get(3), "nextValidOffset=" + offsets.get(4), "checksum mismatch");
    }

    /**
     * Guards the torn tail: a damaged last record (a write torn by a power cut) is cut off, every earlier point
     * stays, and the store takes writes again after it.
     */
    @Test
    void shouldCutOnlyTheTornRecordWhenLastRecordIsTorn() throws IOException {
        final List<Long> offsets = writePoints(LARGE_SEGMENT_BYTES, 10);
        flipByte(SegmentFiles.segment(dataDirectory, 0, 0), offsets.get(9) + SegmentDescriptor.FIRST_VALUE_OFFSET);

        try (PartitionStore store = open(LARGE_SEGMENT_BYTES)) {
            assertThat(values(store)).containsExactly(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0);
            store.openWriter().write("series-x", 1, 100.0);
        }
        try (PartitionStore store = open(LARGE_SEGMENT_BYTES)) {
            assertThat(values(store)).containsExactly(0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 100.0);
        }
    }

    /**
     * Guards acknowledged writes behind a dead writer's claim: with many writers, one may claim space and die
     * before publishing while later records are published and acknowledged. Recovery must keep those later
     * records (a hole marker skips the claim), stably across reopens, and appends must continue after them.
     */
    @Test
    void shouldKeepRecordsAfterUnpublishedClaimWhenWriterDiedMidRecord() throws IOException {
        final List<Long> offsets = writePoints(LARGE_SEGMENT_BYTES, 10);
        final Path segment = SegmentFiles.segment(dataDirectory, 0, 0);
        // The claim of record 3: length word never published, content half written.
        SegmentFiles.write(segment, offsets.get(3), new byte[SegmentDescriptor.FIRST_VALUE_OFFSET]);

        try (PartitionStore store = open(LARGE_SEGMENT_BYTES)) {
            assertThat(values(store)).containsExactly(0.0, 1.0, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0);
            store.openWriter().write("series-x", 1, 100.0);
        }
        assertThat(SegmentFiles.readInt(segment, offsets.get(3)))
            .isEqualTo((int) -(offsets.get(4) - offsets.get(3)));
        try (PartitionStore store = open(LARGE_SEGMENT_BYTES)) {
            assertThat(values(store)).containsExactly(0.0, 1.0, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0);
            final Txn split = Txn.split(1, 0, KeySpace.MAX_KEY / 2, 1, 1, 2, 2);
            assertThat(store.prepare(split)).isTrue();
            // The seal walks across the hole marker.
            store.commit(split);
        }
        try (PartitionStore store = open(LARGE_SEGMENT_BYTES)) {
            // After the split the scan reads the parent's records through each child: key order, not log order.
            assertThat(values(store)).containsExactlyInAnyOrder(0.0, 1.0, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 100.0);
        }
    }

    /** Guards the chain: a missing segment in the middle fails the open naming the missing index. */
    @Test
    void shouldRefuseOpenNamingGapWhenMiddleSegmentFileIsMissing() throws IOException {
        writePoints(SMALL_SEGMENT_BYTES, 300);
        assertThat(SegmentFiles.segment(dataDirectory, 0, 2)).exists();
        Files.delete(SegmentFiles.segment(dataDirectory, 0, 1));

        assertCorrupt(SMALL_SEGMENT_BYTES, "segment chain has a gap", "missingIndex=1");
    }

    /**
     * Guards the end of the chain: when the file of the segment that holds the newest records is gone, the open
     * must refuse naming it, rather than chain a fresh segment (or use the pre-created spare after it) and lose
     * the records silently. Without a spare the segment before it is ROLLED and last; with one, the chain has a
     * gap.
     */
    @Test
    void shouldRefuseOpenNamingMissingFileWhenNewestSegmentFileIsMissing() throws IOException {
        writePoints(SMALL_SEGMENT_BYTES, 300);
        int newest = 0;
        while (Files.exists(SegmentFiles.segment(dataDirectory, 0, newest + 1))
            && SegmentFiles.readInt(SegmentFiles.segment(dataDirectory, 0, newest + 1),
                SegmentDescriptor.FIRST_RECORD_OFFSET) != 0) {
            newest++;
        }
        final Path missing = SegmentFiles.segment(dataDirectory, 0, newest);
        final boolean hasSpare = Files.exists(SegmentFiles.segment(dataDirectory, 0, newest + 1));
        Files.delete(missing);

        if (hasSpare) {
            assertCorrupt(SMALL_SEGMENT_BYTES, "segment chain has a gap", "missingIndex=" + newest);
        } else {
            assertCorrupt(SMALL_SEGMENT_BYTES, "segment file missing after a rolled segment", missing.toString());
        }
    }

    /** Guards lineage: children whose sealed parent's files are gone must not open as if the parent were empty. */
    @Test
    void shouldRefuseOpenWhenSealedParentDirectoryIsMissing() throws IOException {
        try (PartitionStore store = open(LARGE_SEGMENT_BYTES)) {
            store.openWriter().write("series", 1, 1.0);
            final Txn split = Txn.split(1, 0, KeySpace.MAX_KEY / 2, 1, 1, 2, 2);
            assertThat(store.prepare(split)).isTrue();
            store.commit(split);
        }
        final Path parent = dataDirectory.resolve(PartitionStore.PARTITIONS_DIRECTORY).resolve("0");
        FileOps.deleteDirectory(parent);

        assertCorrupt(LARGE_SEGMENT_BYTES, "missing parent", "parentId=0");
    }

    /**
     * Guards multi-field records in sealed data: the checksum covers every value, so a flipped byte in the last of
     * four fields of a rolled segment's record fails the open with the file and the offset, like any other byte.
     */
    @Test
    void shouldRefuseOpenWhenByteFlippedInLastFieldOfSealedMultiFieldRecord() throws IOException {
        writePoints(SMALL_SEGMENT_BYTES, 200, FOUR_FIELDS);
        final Path segment = SegmentFiles.segment(dataDirectory, 0, 0);
        assertThat(SegmentFiles.readLong(segment, SegmentDescriptor.SEAL_STATE_OFFSET))
            .isEqualTo(SegmentDescriptor.STATE_ROLLED);
        final long offset = SegmentDescriptor.FIRST_RECORD_OFFSET;
        flipByte(segment, offset + SegmentDescriptor.valueOffset(3) + 6);

        assertCorrupt(SMALL_SEGMENT_BYTES, FOUR_FIELDS, "invalid record before the sealed tail", segment.toString(),
            "offset=" + offset, "checksum mismatch");
    }

    /**
     * Guards the torn tail of a multi-field log: a damaged last record is cut off, every earlier point keeps all
     * four of its values, and writes continue after it.
     */
    @Test
    void shouldCutOnlyTheTornRecordWhenLastMultiFieldRecordIsTorn() throws IOException {
        final List<Long> offsets = writePoints(LARGE_SEGMENT_BYTES, 10, FOUR_FIELDS);
        flipByte(SegmentFiles.segment(dataDirectory, 0, 0), offsets.get(9) + SegmentDescriptor.valueOffset(2));

        try (PartitionStore store = open(LARGE_SEGMENT_BYTES, FOUR_FIELDS)) {
            assertThat(rows(store)).hasSize(9).allSatisfy(row -> assertThat(row).containsExactly(
                row.getFirst(), row.getFirst() + 1, row.getFirst() + 2, row.getFirst() + 3));
            store.openWriter().write("series-x", 1, new double[] {100, 101, 102, 103});
        }
        try (PartitionStore store = open(LARGE_SEGMENT_BYTES, FOUR_FIELDS)) {
            assertThat(rows(store)).hasSize(10).last().isEqualTo(List.of(100.0, 101.0, 102.0, 103.0));
        }
    }

    /**
     * Guards the field count in the segment header: records are parsed with it, so a damaged count must fail the
     * open (the header checksum covers it) instead of reading values and keys at the wrong offsets.
     */
    @Test
    void shouldRefuseOpenWhenSegmentHeaderFieldCountIsDamaged() throws IOException {
        writePoints(LARGE_SEGMENT_BYTES, 10, FOUR_FIELDS);
        final Path segment = SegmentFiles.segment(dataDirectory, 0, 0);
        assertThat(SegmentFiles.readInt(segment, SegmentDescriptor.FIELD_COUNT_OFFSET)).isEqualTo(4);
        SegmentFiles.write(segment, SegmentDescriptor.FIELD_COUNT_OFFSET, new byte[] {2});

        assertCorrupt(LARGE_SEGMENT_BYTES, FOUR_FIELDS, "segment header checksum mismatch", segment.toString());
    }

    private void assertCorrupt(final long segmentBytes, final String... messageParts) {
        assertCorrupt(segmentBytes, FieldSchema.SINGLE, messageParts);
    }

    private void assertCorrupt(final long segmentBytes, final FieldSchema fields, final String... messageParts) {
        assertThatThrownBy(() -> open(segmentBytes, fields).close())
            .isInstanceOf(PresplitException.class)
            .satisfies(e -> assertThat(((PresplitException) e).code()).isEqualTo(FileOps.STORAGE_CORRUPT))
            .satisfies(e -> {
                for (final String part : messageParts) {
                    assertThat(e.getMessage()).contains(part);
                }
            });
    }

    /** Writes points 0..count-1 (value = index) and returns their record offsets (meaningful in one segment). */
    private List<Long> writePoints(final long segmentBytes, final int count) {
        return writePoints(segmentBytes, count, FieldSchema.SINGLE);
    }

    /** As {@link #writePoints(long, int)}; with several fields, field {@code f} of point {@code i} is {@code i + f}. */
    private List<Long> writePoints(final long segmentBytes, final int count, final FieldSchema fields) {
        final List<Long> offsets = new ArrayList<>();
        try (PartitionStore store = open(segmentBytes, fields)) {
            final PartitionWriter writer = store.openWriter();
            final double[] values = new double[fields.count()];
            for (int i = 0; i < count; i++) {
                if (fields.count() == 1) {
                    writer.write("series-" + (i % 7), i, i);
                } else {
                    for (int f = 0; f < values.length; f++) {
                        values[f] = i + f;
                    }
                    writer.write("series-" + (i % 7), i, values);
                }
            }
            store.scan((partitionId, record) -> offsets.add(record.offset()));
        }
        return offsets;
    }

    private PartitionStore open(final long segmentBytes) {
        return open(segmentBytes, FieldSchema.SINGLE);
    }

    private PartitionStore open(final long segmentBytes, final FieldSchema fields) {
        return PartitionStore.open(dataDirectory, recorder,
            StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(segmentBytes).withFields(fields));
    }

    /** Every record's values, in scan order. */
    private static List<List<Double>> rows(final PartitionStore store) {
        final List<List<Double>> rows = new ArrayList<>();
        store.scan((partitionId, record) -> {
            final List<Double> row = new ArrayList<>();
            for (int f = 0; f < record.fieldCount(); f++) {
                row.add(record.value(f));
            }
            rows.add(row);
        });
        return rows;
    }

    private static List<Double> values(final PartitionStore store) {
        final List<Double> values = new ArrayList<>();
        store.scan((partitionId, record) -> values.add(record.value()));
        return values;
    }

    private static void flipByte(final Path file, final long offset) throws IOException {
        final byte original = SegmentFiles.read(file, offset, 1).get();
        SegmentFiles.write(file, offset, new byte[] {(byte) (original ^ 0x40)});
    }
}
