package io.presplit.storage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.FileBlocks;
import io.presplit.PresplitException;
import io.presplit.keyspace.KeySpace;
import io.presplit.storage.LeakCheck;
import io.presplit.storage.Point;
import io.presplit.storage.Points;
import io.presplit.storage.SegmentFiles;
import io.presplit.storage.internal.FileOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** A partition log: append, read, chain, seal, reopen and recover. */
@ExtendWith(LeakCheck.class)
final class PartitionLogTest {
    private static final PartitionHeader HEADER = new PartitionHeader(7, 3, 11, 5, SegmentDescriptor.NONE,
        KeySpace.MIN_KEY, KeySpace.MAX_KEY, 1);
    /** The smallest legal segment: room for one longest record, or about 30 short ones. */
    private static final long SMALL_SEGMENT_BYTES = SegmentDescriptor.MIN_SEGMENT_LENGTH;

    @TempDir
    private Path tempDir;

    private final RecordEncoder encoder = new RecordEncoder();

    /**
     * Golden bytes of a new segment's header for a known identity. Guards the on-disk header of spec 001 as a
     * whole (field order, byte order, checksum range, reserved zeros, initial state block): recovery, lineage
     * and tools read these bytes, so any change must come with a new format version.
     */
    @Test
    void shouldWriteGoldenHeaderBytesWhenCreatingSegment() throws IOException {
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES, true)) {
            assertThat(log.segmentCount()).isEqualTo(1);
        }

        final ByteBuffer header = SegmentFiles.read(directory().resolve(SegmentDescriptor.segmentFileName(0)), 0,
            SegmentDescriptor.HEADER_LENGTH);

        final String zeros8 = "0000000000000000";
        final byte[] expected = HexFormat.of().parseHex(
            "50534547" + "02000000"          // magic "PSEG", version 2
                + "0700000000000000"         // partition id 7
                + "00000000" + "03000000"    // segment index 0, load slot 3
                + "0b00000000000000"         // created by txn 11
                + "0500000000000000"         // first parent 5
                + "ffffffffffffffff"         // second parent: none
                + zeros8                     // key lo 0
                + "ffffffffffffff7f"         // key hi Long.MAX_VALUE
                + "0001000000000000"         // first record offset 256
                + "2805000000000000"         // segment length 1320
                + "01000000" + "05fb86d9"    // field count 1, CRC32C of bytes [0, 84)
                + zeros8.repeat(5)           // reserved to offset 128
                + "0100000000000000"         // committed
                + zeros8                     // seal state OPEN
                + zeros8                     // sealed tail
                + "ffffffffffffffff"         // sealed by: none
                + zeros8.repeat(12));        // reserved to offset 256
        final byte[] actual = new byte[SegmentDescriptor.HEADER_LENGTH];
        header.get(actual);
        assertThat(HexFormat.of().formatHex(actual)).isEqualTo(HexFormat.of().formatHex(expected));
    }

    /** Guards the basic contract: what was appended is read back, complete and in order, from the log. */
    @Test
    void shouldReadBackEveryRecordInOrderWhenAppended() {
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SegmentDescriptor.MIN_SEGMENT_LENGTH * 8,
            true)) {
            final List<Point> written = appendPoints(log, 50);

            assertThat(read(log)).containsExactlyElementsOf(written);
            assertThat(log.header()).isEqualTo(HEADER);
            assertThat(log.isCommitted()).isTrue();
        }
    }

    /**
     * Guards chaining: a full segment must not lose or split a record; the writer that finds it full chains a
     * new segment file, and reads cross the chain in order.
     */
    @Test
    void shouldChainNewSegmentWhenActiveSegmentIsFull() throws IOException {
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES, true)) {
            final List<Point> written = appendPoints(log, 200);

            assertThat(log.segmentCount()).isGreaterThan(3);
            assertThat(read(log)).containsExactlyElementsOf(written);
            assertThat(segmentFiles()).hasSize(log.segmentCount());
            final List<Long> ends = new ArrayList<>();
            log.read((partitionId, record) -> ends.add(record.offset() + record.lengthBytes()));
            assertThat(ends).allSatisfy(end -> assertThat(end).isLessThanOrEqualTo(SMALL_SEGMENT_BYTES));
        }
        final Path first = directory().resolve(SegmentDescriptor.segmentFileName(0));
        assertThat(SegmentFiles.readLong(first, SegmentDescriptor.SEAL_STATE_OFFSET))
            .isEqualTo(SegmentDescriptor.STATE_ROLLED);
    }

    /**
     * Guards against a full disk faulting a store through a sparse mapping (a header write, an append): a segment
     * the file system cannot hold is refused when created, as a storage I/O failure naming the segment and the
     * reason, and the partition's directory is gone, so nothing half-made is left for recovery.
     */
    @Test
    void shouldRefuseASegmentTheDiskCannotHoldAndLeaveNothing() throws IOException {
        final long tooLarge = (Files.getFileStore(tempDir).getUsableSpace() + (1L << 30)) / SMALL_SEGMENT_BYTES
            * SMALL_SEGMENT_BYTES + SMALL_SEGMENT_BYTES;
        assertThatThrownBy(() -> PartitionLog.create(directory(), HEADER, tooLarge, true))
            .isInstanceOf(PresplitException.class)
            .satisfies(e -> assertThat(((PresplitException) e).code()).isEqualTo(FileOps.STORAGE_IO))
            .hasMessageContaining("cannot create segment")
            .hasStackTraceContaining("cannot reserve the file's space")
            .hasStackTraceContaining("lengthBytes=" + tooLarge);
        assertThat(directory()).doesNotExist();
    }

    /**
     * Guards the disk cost of reserved segments: a sealed segment gives back the blocks after its tail (nothing
     * writes there again), keeping its length and every record, so a split's parent holds only its records on disk.
     */
    @Test
    void shouldGiveBackTheBlocksAfterTheSealedTail() throws Exception {
        final long length = 4L << 20;
        final List<Point> written;
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, length, true)) {
            written = appendPoints(log, 5);
            final Path segment = directory().resolve(SegmentDescriptor.segmentFileName(0));
            assertThat(FileBlocks.allocatedBytes(segment)).as("reserved whole").isGreaterThanOrEqualTo(length);
            log.seal(7);
            assertThat(FileBlocks.allocatedBytes(segment)).as("its records' pages only").isLessThan(64 * 1024);
            assertThat(Files.size(segment)).isEqualTo(length);
        }
        try (PartitionLog log = PartitionLog.open(directory(), length)) {
            assertThat(read(log)).containsExactlyElementsOf(written);
        }
    }

    /**
     * Guards the disk cost of spares: a spare holds the blocks of its first window only while it waits, and the
     * roll that makes it active reserves it whole before any record goes into it.
     */
    @Test
    void shouldReserveASpareWholeOnlyWhenARollMakesItActive() throws Exception {
        final long length = 3 * Segment.POPULATE_WINDOW_BYTES;
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, length, true)) {
            assertThat(log.createSpare()).isTrue();
            final Path spare = directory().resolve(SegmentDescriptor.segmentFileName(1));
            assertThat(FileBlocks.allocatedBytes(spare)).as("waiting: its first window")
                .isBetween(Segment.POPULATE_WINDOW_BYTES, 2 * Segment.POPULATE_WINDOW_BYTES);
            final int recordLength = encoder.encode("series", 1, 1);
            while (log.segmentCount() < 2) {
                assertThat(log.append(encoder.record(), recordLength)).isEqualTo(PartitionLog.APPENDED);
            }
            assertThat(FileBlocks.allocatedBytes(spare)).as("active: whole").isGreaterThanOrEqualTo(length);
        }
    }

    /** Guards reopen: every record of every segment survives a close and a reopen, and appends continue. */
    @Test
    void shouldFindEveryRecordWhenReopenedAfterClose() {
        final List<Point> written;
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES, true)) {
            written = new ArrayList<>(appendPoints(log, 100));
        }
        try (PartitionLog log = PartitionLog.open(directory(), SMALL_SEGMENT_BYTES)) {
            assertThat(read(log)).containsExactlyElementsOf(written);
            assertThat(log.header()).isEqualTo(HEADER);
            written.add(append(log, "after-reopen", 1, 2));
            assertThat(read(log)).containsExactlyElementsOf(written);
        }
    }

    /**
     * Guards tail recovery: bytes after the last record (a torn record, garbage) must be cut off on reopen, and
     * zeroed, so that records appended afterwards are not followed by stale bytes a reader would take for data.
     */
    @Test
    void shouldIgnoreGarbageAfterLastRecordWhenReopened() throws IOException {
        final List<Point> written;
        final long tail;
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES * 4, true)) {
            written = new ArrayList<>(appendPoints(log, 10));
            tail = lastRecordEnd(log);
        }
        final Path segment = directory().resolve(SegmentDescriptor.segmentFileName(0));
        // A torn record: a plausible length word with a body that does not match its checksum, then noise.
        final byte[] garbage = new byte[300];
        for (int i = 0; i < garbage.length; i++) {
            garbage[i] = (byte) (i * 31 + 7);
        }
        garbage[0] = 48;
        garbage[1] = 0;
        garbage[2] = 0;
        garbage[3] = 0;
        SegmentFiles.write(segment, tail, garbage);

        try (PartitionLog log = PartitionLog.open(directory(), SMALL_SEGMENT_BYTES * 4)) {
            assertThat(read(log)).containsExactlyElementsOf(written);
            written.add(append(log, "x", 1, 1));
            assertThat(read(log)).containsExactlyElementsOf(written);
        }
        try (PartitionLog log = PartitionLog.open(directory(), SMALL_SEGMENT_BYTES * 4)) {
            assertThat(read(log)).containsExactlyElementsOf(written);
        }
    }

    /** Guards the checksum: a last record whose bytes changed on disk is treated as torn and cut off. */
    @Test
    void shouldCutLastRecordWhenItsChecksumFailsOnReopen() throws IOException {
        final List<Point> written;
        final long lastOffset;
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES * 4, true)) {
            written = appendPoints(log, 10);
            final long[] offset = new long[1];
            log.read((partitionId, record) -> offset[0] = record.offset());
            lastOffset = offset[0];
        }
        final Path segment = directory().resolve(SegmentDescriptor.segmentFileName(0));
        SegmentFiles.write(segment, lastOffset + SegmentDescriptor.FIRST_VALUE_OFFSET, new byte[] {1, 2, 3});

        try (PartitionLog log = PartitionLog.open(directory(), SMALL_SEGMENT_BYTES * 4)) {
            assertThat(read(log)).containsExactlyElementsOf(written.subList(0, 9));
        }
    }

    /**
     * Guards the seal: after it, appends fail without writing, the tail is recorded in the header together with
     * the sealing transaction, and a repeat is a no-op (recovery may repeat it).
     */
    @Test
    void shouldRefuseAppendsAndRecordTailWhenSealed() throws IOException {
        final List<Point> written;
        final long tail;
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES * 4, true)) {
            written = appendPoints(log, 5);
            tail = lastRecordEnd(log);

            log.seal(99);
            log.seal(99);

            final int length = encoder.encode("late", 1, 1);
            assertThat(log.append(encoder.record(), length)).isEqualTo(PartitionLog.SEALED);
            assertThat(log.isSealed()).isTrue();
            assertThat(log.sealedByTxId()).isEqualTo(99);
            assertThat(read(log)).containsExactlyElementsOf(written);
        }
        final Path segment = directory().resolve(SegmentDescriptor.segmentFileName(0));
        assertThat(SegmentFiles.readLong(segment, SegmentDescriptor.SEAL_STATE_OFFSET))
            .isEqualTo(SegmentDescriptor.STATE_SEALED);
        assertThat(SegmentFiles.readLong(segment, SegmentDescriptor.SEALED_TAIL_OFFSET)).isEqualTo(tail);
        assertThat(SegmentFiles.readLong(segment, SegmentDescriptor.SEALED_BY_TX_ID_OFFSET)).isEqualTo(99);
        try (PartitionLog log = PartitionLog.open(directory(), SMALL_SEGMENT_BYTES * 4)) {
            assertThat(log.isSealed()).isTrue();
            assertThat(log.sealedByTxId()).isEqualTo(99);
            assertThat(read(log)).containsExactlyElementsOf(written);
            final int length = encoder.encode("late", 1, 1);
            assertThat(log.append(encoder.record(), length)).isEqualTo(PartitionLog.SEALED);
        }
    }

    /**
     * Guards recovery of an interrupted roll: a crash after the next segment was created but before the full one
     * was sealed leaves an open segment before the last; reopen must keep its records and seal it.
     */
    @Test
    void shouldSealEarlierSegmentWhenReopenedAfterInterruptedRoll() throws IOException {
        final List<Point> written;
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES, true)) {
            written = appendPoints(log, 60);
            assertThat(log.segmentCount()).isGreaterThan(1);
        }
        final Path first = directory().resolve(SegmentDescriptor.segmentFileName(0));
        SegmentFiles.writeLong(first, SegmentDescriptor.SEAL_STATE_OFFSET, SegmentDescriptor.STATE_OPEN);

        try (PartitionLog log = PartitionLog.open(directory(), SMALL_SEGMENT_BYTES)) {
            assertThat(read(log)).containsExactlyElementsOf(written);
        }
        assertThat(SegmentFiles.readLong(first, SegmentDescriptor.SEAL_STATE_OFFSET))
            .isEqualTo(SegmentDescriptor.STATE_ROLLED);
    }

    /**
     * Guards the difference between a torn tail and corruption: a sealed segment promises every record before its
     * sealed tail, so a bad record there must fail the open instead of silently dropping data.
     */
    @Test
    void shouldFailOpenWhenRecordBeforeSealedTailIsCorrupt() throws IOException {
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES * 4, true)) {
            appendPoints(log, 5);
            log.seal(1);
        }
        final Path segment = directory().resolve(SegmentDescriptor.segmentFileName(0));
        SegmentFiles.write(segment, SegmentDescriptor.FIRST_RECORD_OFFSET + SegmentDescriptor.FIRST_VALUE_OFFSET,
            new byte[] {9});

        assertThatThrownBy(() -> PartitionLog.open(directory(), SMALL_SEGMENT_BYTES * 4))
            .isInstanceOf(PresplitException.class)
            .satisfies(e -> assertThat(((PresplitException) e).code()).isEqualTo(FileOps.STORAGE_CORRUPT))
            .hasMessageContaining("invalid record before the sealed tail");
    }

    /** Guards the header checksum: a segment whose identity bytes changed must not be trusted. */
    @Test
    void shouldFailOpenWhenHeaderChecksumDoesNotMatch() throws IOException {
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES, true)) {
            appendPoints(log, 1);
        }
        final Path segment = directory().resolve(SegmentDescriptor.segmentFileName(0));
        SegmentFiles.writeLong(segment, SegmentDescriptor.KEY_LO_OFFSET, 5);

        assertThatThrownBy(() -> PartitionLog.open(directory(), SMALL_SEGMENT_BYTES))
            .isInstanceOf(PresplitException.class).hasMessageContaining("segment header checksum mismatch");
    }

    /**
     * Guards the split of a seal into its in-memory half (what a commit waits for) and its forces (left to a
     * background thread): after the first half no append succeeds and the tail is fixed, while the header on disk
     * still reads OPEN; a failed force leaves the seal in memory and not durable, and a retry persists it with the
     * transaction's id.
     */
    @Test
    void shouldRefuseAppendsAfterSealInMemoryAndPersistOnRetryWhenForceFailed() throws IOException {
        final Path segment = directory().resolve(SegmentDescriptor.segmentFileName(0));
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES, true)) {
            appendPoints(log, 3);
            log.sealInMemory(42);
            assertThat(log.isSealed()).isTrue();
            assertThat(log.isSealDurable()).isFalse();
            assertThat(log.sealedByTxId()).isEqualTo(42);
            final int length = encoder.encode("late", 1, 1);
            assertThat(log.append(encoder.record(), length)).isEqualTo(PartitionLog.SEALED);
            assertThat(SegmentFiles.readLong(segment, SegmentDescriptor.SEAL_STATE_OFFSET))
                .isEqualTo(SegmentDescriptor.STATE_OPEN);

            FileOps.failNthCall(1);
            try {
                assertThatThrownBy(log::persistSeal).isInstanceOf(PresplitException.class)
                    .hasMessageContaining(FileOps.INJECTED_FAILURE);
            } finally {
                FileOps.disarm();
            }
            assertThat(log.isSealDurable()).isFalse();

            log.persistSeal();
            assertThat(log.isSealDurable()).isTrue();
            assertThat(SegmentFiles.readLong(segment, SegmentDescriptor.SEAL_STATE_OFFSET))
                .isEqualTo(SegmentDescriptor.STATE_SEALED);
            assertThat(SegmentFiles.readLong(segment, SegmentDescriptor.SEALED_BY_TX_ID_OFFSET)).isEqualTo(42);
        }
    }

    /**
     * Guards against orphan files: a partition sealed in memory while a spare segment was ready, and closed before
     * the background thread persisted the seal, leaves no file after its sealed segment (the race a concurrent split
     * test once caught: the store closed right after a commit).
     */
    @Test
    void shouldDeleteTheUnusedSpareOfASealedPartitionWhenClosed() throws IOException {
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES, true)) {
            appendPoints(log, 3);
            assertThat(log.createSpare()).isTrue();
            assertThat(Files.exists(directory().resolve(SegmentDescriptor.segmentFileName(1)))).isTrue();
            log.sealInMemory(42);
        }

        try (var files = Files.list(directory())) {
            assertThat(files.map(path -> path.getFileName().toString()))
                .containsExactly(SegmentDescriptor.segmentFileName(0));
        }
        final Path segment = directory().resolve(SegmentDescriptor.segmentFileName(0));
        assertThat(SegmentFiles.readLong(segment, SegmentDescriptor.SEAL_STATE_OFFSET))
            .isEqualTo(SegmentDescriptor.STATE_SEALED);
    }

    /**
     * Guards close against a seal whose forces had not run yet (the background thread stops before the logs
     * close): the reopened log must be sealed by the same transaction with every record, not OPEN.
     */
    @Test
    void shouldPersistSealInMemoryWhenClosed() {
        final List<Point> written;
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES * 4, true)) {
            written = appendPoints(log, 40);
            log.sealInMemory(9);
        }
        try (PartitionLog log = PartitionLog.open(directory(), SMALL_SEGMENT_BYTES * 4)) {
            assertThat(log.isSealDurable()).isTrue();
            assertThat(log.sealedByTxId()).isEqualTo(9);
            final Points read = new Points();
            log.read(read);
            assertThat(read.all()).isEqualTo(written);
        }
    }

    /**
     * Guards recovery from a creation whose forces never ran (a prepare batches them): a partition directory
     * holding only an all-zero segment 0, of any length, is a torn creation; a zero header with any other byte set
     * is not, since that could be a committed partition's lost header page.
     */
    @Test
    void shouldTellTornCreationFromZeroHeaderWithData() throws IOException {
        Files.createDirectories(directory());
        final Path segment = directory().resolve(SegmentDescriptor.segmentFileName(0));
        Files.write(segment, new byte[0]);
        assertThat(PartitionLog.isTornCreation(directory())).isTrue();
        Files.write(segment, new byte[(int) SMALL_SEGMENT_BYTES]);
        assertThat(PartitionLog.isTornCreation(directory())).isTrue();
        SegmentFiles.writeLong(segment, SMALL_SEGMENT_BYTES - Long.BYTES, 1);
        assertThat(PartitionLog.isTornCreation(directory())).isFalse();
        final Path created = tempDir.resolve("8");
        try (PartitionLog log = PartitionLog.createUnforced(created, HEADER, SMALL_SEGMENT_BYTES, false)) {
            assertThat(log.creationForces()).hasSize(2);
        }
        assertThat(PartitionLog.isTornCreation(created)).isFalse();
    }

    /**
     * Guards the roll without a spare, which skips the new segment's forces when a background thread serves the
     * log: the background work must force that creation before it marks the full segment ROLLED (a ROLLED segment
     * on disk promises its successor exists), so its first file-system call is the successor's file force.
     */
    @Test
    void shouldForceUnforcedRollBeforeMarkingFullSegmentRolled() throws IOException {
        final List<PartitionLog> requests = new ArrayList<>();
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES, true)) {
            log.enableSpares(requests::add);
            final int firstSegmentRecords = 25;
            appendPoints(log, firstSegmentRecords);
            while (log.segmentCount() == 1) {
                appendPoints(log, 1);
            }
            assertThat(log.rollsWithoutSpare()).isEqualTo(1);
            assertThat(requests).hasSize(2);

            FileOps.failNthCall(1);
            try {
                assertThatThrownBy(log::prepareSpare).isInstanceOf(PresplitException.class);
            } finally {
                FileOps.disarm();
            }
            assertThat(FileOps.lastInjected()).startsWith("force-file")
                .endsWith(SegmentDescriptor.segmentFileName(1));
            assertThat(SegmentFiles.readLong(directory().resolve(SegmentDescriptor.segmentFileName(0)),
                SegmentDescriptor.SEAL_STATE_OFFSET)).isEqualTo(SegmentDescriptor.STATE_OPEN);

            log.prepareSpare();
            assertThat(SegmentFiles.readLong(directory().resolve(SegmentDescriptor.segmentFileName(0)),
                SegmentDescriptor.SEAL_STATE_OFFSET)).isEqualTo(SegmentDescriptor.STATE_ROLLED);
            assertThat(log.hasSpare()).isTrue();
        }
    }

    /**
     * Guards group commit across a roll: the full segment stays OPEN until the background worker seals it as
     * ROLLED, while writers already append to the next one and wait for the batch; the batch must force the next
     * segment too (its creation first, as it was made without forces), not stop at the full one, or it would
     * acknowledge records that are not on disk.
     */
    @Test
    void shouldForceNextSegmentInGroupCommitWhileFullOneIsNotYetRolled() {
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES, true)) {
            log.enableSpares(ignored -> { });
            while (log.segmentCount() == 1) {
                appendPoints(log, 1);
            }
            appendPoints(log, 2);

            FileOps.failNthCall(2);
            try {
                assertThatThrownBy(log::forcePublished).isInstanceOf(PresplitException.class);
            } finally {
                FileOps.disarm();
            }
            assertThat(FileOps.lastInjected()).startsWith("force-file")
                .endsWith(SegmentDescriptor.segmentFileName(1));
            assertThat(log.forcePublished()).isFalse();
        }
    }

    /**
     * Guards recovery from a roll whose creation never reached the disk (the machine stopped before the
     * background forces): the newest segment file is all zero and the one before it OPEN; open must drop the
     * empty file and keep every record of the chain before it, not refuse the partition.
     */
    @Test
    void shouldDropAllZeroNewestSegmentWhenReopened() throws IOException {
        final List<Point> written;
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES, true)) {
            written = appendPoints(log, 20);
            while (log.segmentCount() == 1) {
                appendPoints(log, 1);
            }
        }
        final Path first = directory().resolve(SegmentDescriptor.segmentFileName(0));
        final Path second = directory().resolve(SegmentDescriptor.segmentFileName(1));
        SegmentFiles.writeLong(first, SegmentDescriptor.SEAL_STATE_OFFSET, SegmentDescriptor.STATE_OPEN);
        Files.write(second, new byte[(int) SMALL_SEGMENT_BYTES]);

        try (PartitionLog log = PartitionLog.open(directory(), SMALL_SEGMENT_BYTES)) {
            assertThat(second).doesNotExist();
            assertThat(log.segmentCount()).isEqualTo(1);
            assertThat(read(log)).startsWith(written.toArray(new Point[0]));
        }
    }

    /** Guards the no-op repeat of close, which every owner relies on in its own error paths. */
    @Test
    void shouldDoNothingWhenClosedTwice() {
        final PartitionLog log = PartitionLog.create(directory(), HEADER, SMALL_SEGMENT_BYTES, true);
        log.close();
        log.close();
        assertThatThrownBy(() -> log.seal(1)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("partition log is closed");
    }

    /**
     * Guards the populated pages: the first append asks for a window of pages to be faulted in ahead of it, the
     * next request comes once the appends are half-way through that window, and populating while appends fill the
     * same pages (the spare thread does exactly that) changes no byte: every record reads back, and reopens clean.
     */
    @Test
    void shouldAskForNextWindowAndKeepRecordsWhenPopulatingPagesUnderAppends() throws InterruptedException {
        final long segmentBytes = 2 * Segment.POPULATE_WINDOW_BYTES;
        final List<PartitionLog> populateRequests = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<Point> written = new ArrayList<>();
        try (PartitionLog log = PartitionLog.create(directory(), HEADER, segmentBytes, true)) {
            log.enableSpares(new PartitionLog.SpareRequests() {
                @Override
                public void request(final PartitionLog requested) {
                }

                @Override
                public void requestPopulate(final PartitionLog requested) {
                    populateRequests.add(requested);
                }
            });
            written.add(append(log, "series-0", 0, 0));
            assertThat(populateRequests).containsExactly(log);
            assertThat(log.populateActive()).isEqualTo(Segment.POPULATE_WINDOW_BYTES);
            while (populateRequests.size() == 1) {
                written.add(append(log, "series-" + written.size() % 7, written.size(), written.size()));
            }
            // Windows start after the header's page; the next is asked for half-way through the first.
            final long halfWay = Segment.PAGE_BYTES + Segment.POPULATE_WINDOW_BYTES / 2;
            assertThat(lastRecordEnd(log)).isGreaterThan(halfWay)
                .isLessThanOrEqualTo(halfWay + SegmentDescriptor.MAX_RECORD_LENGTH);

            // The rest of the segment populated by another thread while this one appends over the same pages.
            final Thread populating = Thread.ofPlatform().start(() -> {
                while (log.populateActive() > 0) {
                    Thread.onSpinWait();
                }
            });
            // Keys "series-0".."series-6": 48-byte records; append past the first window into the second.
            final long recordBytes = SegmentDescriptor.recordLength(1, "series-0".length());
            while (written.size() * recordBytes < Segment.POPULATE_WINDOW_BYTES * 3 / 2) {
                written.add(append(log, "series-" + written.size() % 7, written.size(), written.size()));
            }
            populating.join();
            assertThat(lastRecordEnd(log)).isGreaterThan(Segment.POPULATE_WINDOW_BYTES * 3 / 2);
            assertThat(read(log)).isEqualTo(written);
        }
        try (PartitionLog log = PartitionLog.open(directory(), segmentBytes)) {
            assertThat(read(log)).isEqualTo(written);
        }
    }

    private Path directory() {
        return tempDir.resolve("7");
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(directory())) {
            return files.filter(path -> SegmentDescriptor.segmentIndex(path.getFileName().toString()) >= 0)
                .toList();
        }
    }

    private List<Point> appendPoints(final PartitionLog log, final int count) {
        final List<Point> written = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            written.add(append(log, "series-" + (i % 7), 1_000L * i, i * 0.5));
        }
        return written;
    }

    private Point append(final PartitionLog log, final String seriesKey, final long timestampNs,
        final double value) {
        final int length = encoder.encode(seriesKey, timestampNs, value);
        assertThat(log.append(encoder.record(), length)).isEqualTo(PartitionLog.APPENDED);
        return new Point(log.header().partitionId(), seriesKey, timestampNs, value);
    }

    private static List<Point> read(final PartitionLog log) {
        final Points points = new Points();
        log.read(points);
        return points.all();
    }

    private static long lastRecordEnd(final PartitionLog log) {
        final long[] end = new long[1];
        log.read((partitionId, record) -> end[0] = record.offset() + record.lengthBytes());
        return end[0];
    }
}
