package io.presplit.coordinate;

import static io.presplit.coordinate.CoordinatorLogDescriptor.CRC_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.FIRST_CHILD_ID_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.FIRST_CHILD_SLOT_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.FIRST_PARENT_ID_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.HEADER_LENGTH;
import static io.presplit.coordinate.CoordinatorLogDescriptor.KIND_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.MAGIC;
import static io.presplit.coordinate.CoordinatorLogDescriptor.MAGIC_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.RECORD_LENGTH;
import static io.presplit.coordinate.CoordinatorLogDescriptor.SECOND_CHILD_ID_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.SECOND_CHILD_SLOT_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.SECOND_PARENT_ID_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.SPLIT_KEY_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.TX_ID_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.TYPE_ABORT;
import static io.presplit.coordinate.CoordinatorLogDescriptor.TYPE_BEGIN;
import static io.presplit.coordinate.CoordinatorLogDescriptor.TYPE_COMMIT;
import static io.presplit.coordinate.CoordinatorLogDescriptor.TYPE_DONE;
import static io.presplit.coordinate.CoordinatorLogDescriptor.TYPE_OFFSET;
import static io.presplit.coordinate.CoordinatorLogDescriptor.VERSION;
import static io.presplit.coordinate.CoordinatorLogDescriptor.VERSION_OFFSET;

import io.presplit.PresplitException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The coordinator's durable log of split and merge transactions (layout: {@link CoordinatorLogDescriptor}).
 * BEGIN and COMMIT appends are forced to the device before they return, so a transaction that began or committed
 * survives a crash. DONE and ABORT are written but not forced (the next forced append, or the OS, carries them):
 * losing one only makes recovery redo an idempotent commit, or abort again a transaction that has only its BEGIN,
 * which is what recovery does for a crash just before either record anyway. That saves a device flush on every
 * split and merge. A torn or lost tail is cut at the first record whose checksum fails.
 * <p>
 * Threading: the coordinator thread only. Cold path: appends allocate.
 */
public final class CoordinatorLog implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer record = ByteBuffer.allocate(RECORD_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();
    private final Map<Long, TxnState> states = new LinkedHashMap<>();
    private long position;
    private long maxTxId = -1;
    private long maxPartitionId = -1;

    /** Where a transaction stands according to the log. */
    public enum Outcome {
        /** BEGIN only: not committed; recovery aborts it. */
        BEGUN,
        /** COMMIT without DONE: recovery redoes the apply. */
        COMMITTED,
        /** Finished. */
        DONE,
        /** Aborted. */
        ABORTED
    }

    /**
     * A transaction and its outcome so far.
     *
     * @param txn     the transaction.
     * @param outcome the last phase logged.
     */
    public record TxnState(Txn txn, Outcome outcome) {
    }

    private CoordinatorLog(final Path file, final FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Opens or creates the log, reading every intact record and cutting off a torn tail.
     *
     * @throws PresplitException (ERROR, COORDINATOR_LOG_IO / COORDINATOR_LOG_INVALID) if the file cannot be
     *                           read or is not a coordinator log.
     */
    public static CoordinatorLog open(final Path file) {
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            final CoordinatorLog log = new CoordinatorLog(file, channel);
            log.load();
            return log;
        } catch (final IOException ex) {
            closeQuietly(channel, ex);
            throw new PresplitException(PresplitException.Category.ERROR, "COORDINATOR_LOG_IO",
                "cannot open coordinator log [file=" + file + "]", ex);
        } catch (final RuntimeException ex) {
            closeQuietly(channel, ex);
            throw ex;
        }
    }

    /** Logs the start of {@code txn}, with everything needed to redo or abort it. */
    public void begin(final Txn txn) {
        if (states.containsKey(txn.txId())) {
            throw new IllegalStateException("transaction id already used [txId=" + txn.txId() + "]");
        }
        append(TYPE_BEGIN, txn, true);
    }

    /** Logs the commit point of {@code txn}. */
    public void commit(final Txn txn) {
        append(TYPE_COMMIT, txn, true);
    }

    /** Logs that {@code txn} is applied everywhere; not forced (see the class comment). */
    public void done(final Txn txn) {
        append(TYPE_DONE, txn, false);
    }

    /** Logs that {@code txn} was aborted; not forced (see the class comment). */
    public void abort(final Txn txn) {
        append(TYPE_ABORT, txn, false);
    }

    /** Transactions not yet DONE or ABORTED, in the order they began. */
    public List<TxnState> inDoubt() {
        final List<TxnState> result = new ArrayList<>();
        for (final TxnState state : states.values()) {
            if (state.outcome() == Outcome.BEGUN || state.outcome() == Outcome.COMMITTED) {
                result.add(state);
            }
        }
        return result;
    }

    /** Every transaction in the log with its outcome, in the order they began. */
    public List<TxnState> transactions() {
        return List.copyOf(states.values());
    }

    /** The largest transaction id logged, or {@code -1}. */
    public long maxTxId() {
        return maxTxId;
    }

    /** The largest child partition id logged, or {@code -1}. */
    public long maxPartitionId() {
        return maxPartitionId;
    }

    /** Closes the file. Safe to call twice. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (final IOException ex) {
            throw new PresplitException(PresplitException.Category.WARN, "COORDINATOR_LOG_IO",
                "cannot close coordinator log [file=" + file + "]", ex);
        }
    }

    private void load() throws IOException {
        final long size = channel.size();
        if (size < HEADER_LENGTH) {
            final ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(MAGIC_OFFSET, MAGIC).putInt(VERSION_OFFSET, VERSION);
            channel.truncate(0);
            channel.write(header, 0);
            channel.force(true);
            position = HEADER_LENGTH;
            return;
        }
        final ByteBuffer header = ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        readFully(header, 0);
        if (header.getInt(MAGIC_OFFSET) != MAGIC || header.getInt(VERSION_OFFSET) != VERSION) {
            throw new PresplitException(PresplitException.Category.ERROR, "COORDINATOR_LOG_INVALID",
                "not a coordinator log of a known version [file=" + file + ", magic=0x"
                    + Integer.toHexString(header.getInt(MAGIC_OFFSET)) + ", version=" + header.getInt(VERSION_OFFSET)
                    + "]");
        }
        long offset = HEADER_LENGTH;
        while (offset + RECORD_LENGTH <= size) {
            record.clear();
            readFully(record, offset);
            if (checksum(record) != record.getInt(CRC_OFFSET)) {
                break;
            }
            apply(record);
            offset += RECORD_LENGTH;
        }
        if (offset < size) {
            channel.truncate(offset);
            channel.force(true);
        }
        position = offset;
    }

    private void apply(final ByteBuffer rec) {
        final int type = rec.getInt(TYPE_OFFSET);
        final long txId = rec.getLong(TX_ID_OFFSET);
        maxTxId = Math.max(maxTxId, txId);
        if (type == TYPE_BEGIN) {
            final Txn txn = new Txn(txId, rec.getInt(KIND_OFFSET) == 0 ? Txn.Kind.SPLIT : Txn.Kind.MERGE,
                rec.getLong(FIRST_PARENT_ID_OFFSET), rec.getLong(SECOND_PARENT_ID_OFFSET),
                rec.getLong(SPLIT_KEY_OFFSET),
                rec.getLong(FIRST_CHILD_ID_OFFSET), rec.getInt(FIRST_CHILD_SLOT_OFFSET),
                rec.getLong(SECOND_CHILD_ID_OFFSET), rec.getInt(SECOND_CHILD_SLOT_OFFSET));
            maxPartitionId = Math.max(maxPartitionId, Math.max(txn.firstChildId(), txn.secondChildId()));
            states.put(txId, new TxnState(txn, Outcome.BEGUN));
            return;
        }
        final TxnState state = states.get(txId);
        if (state == null) {
            throw new PresplitException(PresplitException.Category.ERROR, "COORDINATOR_LOG_INVALID",
                "record for a transaction that never began [file=" + file + ", txId=" + txId + ", type=" + type + "]");
        }
        final Outcome outcome = switch (type) {
            case TYPE_COMMIT -> Outcome.COMMITTED;
            case TYPE_DONE -> Outcome.DONE;
            case TYPE_ABORT -> Outcome.ABORTED;
            default -> throw new PresplitException(PresplitException.Category.ERROR, "COORDINATOR_LOG_INVALID",
                "unknown record type [file=" + file + ", txId=" + txId + ", type=" + type + "]");
        };
        states.put(txId, new TxnState(state.txn(), outcome));
    }

    private void append(final int type, final Txn txn, final boolean isForced) {
        record.clear();
        record.put(new byte[RECORD_LENGTH]).clear();
        record.putInt(TYPE_OFFSET, type).putLong(TX_ID_OFFSET, txn.txId());
        if (type == TYPE_BEGIN) {
            record.putInt(KIND_OFFSET, txn.kind() == Txn.Kind.SPLIT ? 0 : 1)
                .putInt(FIRST_CHILD_SLOT_OFFSET, txn.firstChildSlot())
                .putLong(FIRST_PARENT_ID_OFFSET, txn.firstParentId())
                .putLong(SECOND_PARENT_ID_OFFSET, txn.secondParentId())
                .putLong(SPLIT_KEY_OFFSET, txn.splitKey())
                .putLong(FIRST_CHILD_ID_OFFSET, txn.firstChildId())
                .putLong(SECOND_CHILD_ID_OFFSET, txn.secondChildId())
                .putInt(SECOND_CHILD_SLOT_OFFSET, txn.secondChildSlot());
        }
        record.putInt(CRC_OFFSET, checksum(record));
        try {
            record.clear();
            while (record.hasRemaining()) {
                channel.write(record, position + record.position());
            }
            if (isForced) {
                channel.force(false);
            }
        } catch (final IOException ex) {
            throw new PresplitException(PresplitException.Category.ERROR, "COORDINATOR_LOG_IO",
                "cannot append to coordinator log [file=" + file + ", txId=" + txn.txId() + ", type=" + type + "]",
                ex);
        }
        position += RECORD_LENGTH;
        record.clear();
        apply(record);
    }

    private int checksum(final ByteBuffer rec) {
        crc.reset();
        crc.update(rec.slice(TYPE_OFFSET, RECORD_LENGTH - TYPE_OFFSET));
        return (int) crc.getValue();
    }

    private void readFully(final ByteBuffer buffer, final long offset) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, offset + buffer.position()) < 0) {
                throw new IOException("unexpected end of coordinator log [file=" + file + ", offset=" + offset + "]");
            }
        }
    }

    private static void closeQuietly(final FileChannel channel, final Exception primary) {
        if (channel != null) {
            try {
                channel.close();
            } catch (final IOException closeFailure) {
                primary.addSuppressed(closeFailure);
            }
        }
    }
}
