package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.PresplitException;
import io.presplit.coordinate.Txn;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.internal.FileOps;
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

    private void assertCorrupt(final long segmentBytes, final String... messageParts) {
        assertThatThrownBy(() -> open(segmentBytes).close())
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
        final List<Long> offsets = new ArrayList<>();
        try (PartitionStore store = open(segmentBytes)) {
            final PartitionWriter writer = store.openWriter();
            for (int i = 0; i < count; i++) {
                writer.write("series-" + (i % 7), i, i);
            }
            store.scan((partitionId, record) -> offsets.add(record.offset()));
        }
        return offsets;
    }

    private PartitionStore open(final long segmentBytes) {
        return PartitionStore.open(dataDirectory, recorder,
            StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(segmentBytes));
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
