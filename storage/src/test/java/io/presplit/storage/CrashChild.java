package io.presplit.storage;

import io.presplit.coordinate.CoordinatorLog;
import io.presplit.coordinate.PartitionParticipant.PartitionView;
import io.presplit.coordinate.Txn;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.log.FieldSchema;
import io.presplit.storage.log.SegmentDescriptor;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process {@link CrashTest} kills: opens the store under group commit with background compaction, recovers
 * the coordinator log, then writes from {@link #WRITER_COUNT} threads and runs splits and merges through the
 * coordinator log on another, until it is killed. Prints {@code READY} once open, {@code A <seq>} after each
 * acknowledged write and {@code T <txId> <kind> <outcome>} after each transaction, straight to file descriptor 1 (no
 * buffering), so that what the parent reads was acknowledged before the kill.
 * <p>
 * Arguments: data directory, coordinator log file, seed, first sequence number. Point {@code seq} is written as
 * series {@code series-<seq % 97>}, timestamp {@code seq}, and three fields ({@link #FIELDS}) holding
 * {@link #values(long, double[])}: multi-field records go through every kill.
 */
public final class CrashChild {
    static final int WRITER_COUNT = 2;
    static final int SERIES_COUNT = 97;
    static final int SLOT_CAPACITY = 4096;
    static final int MAX_LIVE_PARTITIONS = 8;
    static final long SEGMENT_LENGTH_BYTES = 16 * SegmentDescriptor.MIN_SEGMENT_LENGTH;
    /** Background compaction runs too, so that kills also land inside copies, switches and deletions. */
    static final long COMPACTION_BYTES_PER_SECOND = 4L << 20;
    /** The store's fields. */
    static final FieldSchema FIELDS = FieldSchema.of("seq", "negated", "half");

    private CrashChild() {
    }

    /** Entry point; see the class comment. */
    public static void main(final String[] args) throws Exception {
        final Path dataDirectory = Path.of(args[0]);
        final Path coordinatorLogFile = Path.of(args[1]);
        final SplittableRandom random = new SplittableRandom(Long.parseLong(args[2]));
        final AtomicLong nextSeq = new AtomicLong(Long.parseLong(args[3]));
        final OutputStream out = new FileOutputStream(FileDescriptor.out);
        final LoadRecorder recorder = new LoadRecorder(WRITER_COUNT + 1, SLOT_CAPACITY);
        final PartitionStore store = PartitionStore.open(dataDirectory, recorder,
            StoreOptions.of(Durability.GROUP).withSegmentLengthBytes(SEGMENT_LENGTH_BYTES)
                .withCompactionBytesPerSecond(COMPACTION_BYTES_PER_SECOND).withFields(FIELDS));
        final CoordinatorLog log = CoordinatorLog.open(coordinatorLogFile);
        recover(store, log);
        emit(out, "READY");
        for (int i = 0; i < WRITER_COUNT; i++) {
            final PartitionWriter writer = store.openWriter();
            Thread.ofPlatform().name("crash-writer-" + i).daemon(true).start(() -> {
                final double[] values = new double[FIELDS.count()];
                while (true) {
                    final long seq = nextSeq.getAndIncrement();
                    writer.write(seriesKey(seq), seq, values(seq, values));
                    emit(out, "A " + seq);
                }
            });
        }
        long txId = log.maxTxId() + 1;
        while (true) {
            Thread.sleep(random.nextInt(1, 15));
            final Txn txn = nextTxn(store, log, random, txId++);
            if (txn != null) {
                emit(out, "T " + txn.txId() + " " + txn.kind() + " " + run(store, log, txn));
            }
        }
    }

    /** The values of point {@code seq}, in {@code values}: seq, -seq, seq / 2. */
    static double[] values(final long seq, final double[] values) {
        values[0] = seq;
        values[1] = -seq;
        values[2] = seq / 2.0;
        return values;
    }

    /** The series key of point {@code seq}. */
    static String seriesKey(final long seq) {
        return "series-" + (seq % SERIES_COUNT);
    }

    /**
     * Finishes what the coordinator log left in doubt, as the coordinator's recovery does: abort before the
     * commit point, redo after it.
     */
    static void recover(final PartitionStore store, final CoordinatorLog log) {
        for (final CoordinatorLog.TxnState state : log.inDoubt()) {
            if (state.outcome() == CoordinatorLog.Outcome.BEGUN) {
                store.abort(state.txn());
                log.abort(state.txn());
            } else {
                store.commit(state.txn());
                log.done(state.txn());
            }
        }
    }

    /** Runs one transaction through the coordinator log and the store; returns its outcome. */
    static String run(final PartitionStore store, final CoordinatorLog log, final Txn txn) {
        log.begin(txn);
        if (!store.prepare(txn)) {
            store.abort(txn);
            log.abort(txn);
            return "ABORTED";
        }
        log.commit(txn);
        store.commit(txn);
        log.done(txn);
        return "DONE";
    }

    /** A random split (of a random live partition, at a random key) or merge (of two neighbours). */
    static Txn nextTxn(final PartitionStore store, final CoordinatorLog log, final SplittableRandom random,
        final long txId) {
        final List<PartitionView> live = store.livePartitions();
        final long firstChild = Math.max(store.maxPartitionId(), log.maxPartitionId()) + 1;
        final boolean isSplit = live.size() == 1 || (live.size() < MAX_LIVE_PARTITIONS && random.nextBoolean());
        if (isSplit) {
            final PartitionView parent = live.get(random.nextInt(live.size()));
            if (parent.keyHi() - parent.keyLo() < 2) {
                return null;
            }
            final long splitKey = parent.keyLo() + 1 + random.nextLong(parent.keyHi() - parent.keyLo());
            return Txn.split(txId, parent.partitionId(), splitKey, firstChild, slot(firstChild), firstChild + 1,
                slot(firstChild + 1));
        }
        final int lower = random.nextInt(live.size() - 1);
        return Txn.merge(txId, live.get(lower).partitionId(), live.get(lower + 1).partitionId(), firstChild,
            slot(firstChild));
    }

    private static int slot(final long partitionId) {
        return (int) (partitionId % SLOT_CAPACITY);
    }

    private static void emit(final OutputStream out, final String line) {
        final byte[] bytes = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (out) {
            try {
                out.write(bytes);
            } catch (final IOException e) {
                // The parent is gone: nothing is listening for acknowledgements any more.
                Runtime.getRuntime().halt(3);
            }
        }
    }
}
