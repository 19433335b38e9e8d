package io.presplit.coordinate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.PresplitException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

class CoordinatorLogTest {
    @TempDir
    Path dir;

    /** Guards against a torn append (a crash mid-write) poisoning the log: the partial record is cut off. */
    @Test
    void shouldCutOffTornTailWhenReopened() throws Exception {
        final Path file = dir.resolve("coordinator.log");
        try (CoordinatorLog log = CoordinatorLog.open(file)) {
            log.begin(Txn.split(7, 0, 99, 1, 1, 2, 2));
            log.commit(Txn.split(7, 0, 99, 1, 1, 2, 2));
        }
        final long intact = Files.size(file);
        Files.write(file, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, StandardOpenOption.APPEND);
        try (CoordinatorLog log = CoordinatorLog.open(file)) {
            assertThat(log.inDoubt()).singleElement().satisfies(state -> {
                assertThat(state.outcome()).isEqualTo(CoordinatorLog.Outcome.COMMITTED);
                assertThat(state.txn()).isEqualTo(Txn.split(7, 0, 99, 1, 1, 2, 2));
            });
        }
        assertThat(Files.size(file)).isEqualTo(intact);
    }

    /**
     * Guards the unforced DONE and ABORT: whatever of an unforced tail a crash loses (a zeroed record here), the
     * transactions fall back to what recovery already handles, COMMITTED (redo the apply) and BEGUN (abort again),
     * and the log stays valid.
     */
    @Test
    void shouldFallBackToCommittedAndBegunWhenTheUnforcedDoneAndAbortAreLost() throws Exception {
        final Path file = dir.resolve("coordinator.log");
        final Txn committed = Txn.split(7, 0, 99, 1, 1, 2, 2);
        final Txn aborted = Txn.split(8, 1, 50, 3, 3, 4, 4);
        final long beforeTail;
        try (CoordinatorLog log = CoordinatorLog.open(file)) {
            log.begin(committed);
            log.commit(committed);
            log.begin(aborted);
            beforeTail = Files.size(file);
            log.done(committed);
            log.abort(aborted);
        }
        // The crash: the two unforced records never reached the device.
        try (var channel = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.allocate(2 * CoordinatorLogDescriptor.RECORD_LENGTH), beforeTail);
        }
        try (CoordinatorLog log = CoordinatorLog.open(file)) {
            assertThat(log.inDoubt()).extracting(CoordinatorLog.TxnState::outcome)
                .containsExactly(CoordinatorLog.Outcome.COMMITTED, CoordinatorLog.Outcome.BEGUN);
        }
        assertThat(Files.size(file)).as("the zeroed tail is cut off").isEqualTo(beforeTail);
    }

    /** Guards the on-disk format: offsets derive from the spec and a BEGIN record has these exact bytes. */
    @Test
    void shouldWriteTheSpecifiedBytesForABeginRecord() throws Exception {
        assertThat(CoordinatorLogDescriptor.HEADER_LENGTH).isEqualTo(16);
        assertThat(CoordinatorLogDescriptor.RECORD_LENGTH).isEqualTo(80);
        assertThat(CoordinatorLogDescriptor.SECOND_CHILD_SLOT_OFFSET).isEqualTo(64);
        final Path file = dir.resolve("coordinator.log");
        try (CoordinatorLog log = CoordinatorLog.open(file)) {
            log.begin(Txn.split(3, 10, 0x1000, 11, 4, 12, 5));
        }
        final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.capacity()).isEqualTo(96);
        assertThat(bytes.getInt(0)).isEqualTo(0x50534C47);
        assertThat(bytes.getInt(4)).isEqualTo(1);
        final int r = 16;
        assertThat(bytes.getInt(r + 4)).as("type BEGIN").isEqualTo(1);
        assertThat(bytes.getLong(r + 8)).as("txId").isEqualTo(3);
        assertThat(bytes.getInt(r + 16)).as("kind SPLIT").isZero();
        assertThat(bytes.getInt(r + 20)).as("first child slot").isEqualTo(4);
        assertThat(bytes.getLong(r + 24)).as("parent").isEqualTo(10);
        assertThat(bytes.getLong(r + 32)).as("second parent").isEqualTo(-1);
        assertThat(bytes.getLong(r + 40)).as("split key").isEqualTo(0x1000);
        assertThat(bytes.getLong(r + 48)).as("first child").isEqualTo(11);
        assertThat(bytes.getLong(r + 56)).as("second child").isEqualTo(12);
        assertThat(bytes.getInt(r + 64)).as("second child slot").isEqualTo(5);
        final java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(Files.readAllBytes(file), r + 4, 76);
        assertThat(bytes.getInt(r)).isEqualTo((int) crc.getValue());
    }

    /** Guards against reading some other file as a coordinator log. */
    @Test
    void shouldRejectAFileThatIsNotACoordinatorLog() throws Exception {
        final Path file = dir.resolve("not-a-log");
        Files.writeString(file, "hello, this is not a coordinator log");
        assertThatThrownBy(() -> CoordinatorLog.open(file)).isInstanceOf(PresplitException.class)
            .hasMessageContaining("COORDINATOR_LOG_INVALID").hasMessageContaining("not-a-log");
    }
}
