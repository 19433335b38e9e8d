package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.presplit.coordinate.CoordinatorLog;
import io.presplit.coordinate.PartitionParticipant.PartitionView;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.log.RecordFlyweight;
import io.presplit.storage.meta.CatalogEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The real crash test: a child JVM ({@link CrashChild}) writes under group commit while it splits and merges
 * through the coordinator log, and is killed with SIGKILL at a random moment; then this JVM recovers the store and
 * the coordinator log and checks every acknowledged point. Repeats on the same data directory, so that each child
 * starts from the previous crash.
 * <p>
 * Kills: {@value #DEFAULT_KILLS} by default; {@code -Dpresplit.crash.kills=N} for more. Seed:
 * {@code -Dpresplit.crash.seed}; printed.
 */
@ExtendWith(LeakCheck.class)
final class CrashTest {
    private static final int DEFAULT_KILLS = 20;
    private static final long SEQ_STRIDE = 1_000_000_000L;
    private static final long READY_TIMEOUT_SECONDS = 60;

    @TempDir
    private Path directory;

    /**
     * Guards the durability promise of group commit together with the crash safety of split and merge: after a
     * SIGKILL at any moment (mid-write, mid-roll, between any two steps of a prepare or commit, between the
     * coordinator's log appends), recovery must yield every acknowledged point exactly once, by exactly one live
     * partition's lineage read, no point twice even among unacknowledged ones, live partitions that tile the key
     * space, and no partition directory left over from an aborted prepare.
     */
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void shouldKeepEveryAcknowledgedPointWhenKilledDuringSplitsAndMerges() throws Exception {
        final long seed = Long.getLong("presplit.crash.seed", System.nanoTime());
        final int kills = Integer.getInteger("presplit.crash.kills", DEFAULT_KILLS);
        System.out.println("CrashTest seed=" + seed + " kills=" + kills);
        final SplittableRandom random = new SplittableRandom(seed);
        final Path dataDirectory = directory.resolve("data");
        final Path coordinatorLog = directory.resolve("coordinator.log");
        final List<Long> acknowledged = new ArrayList<>();
        int transactions = 0;
        final long[] lastEpoch = {1};
        long startNs = 0;
        long verifyNs = 0;
        for (int kill = 0; kill < kills; kill++) {
            final long t0 = System.nanoTime();
            final Child child = Child.start(dataDirectory, coordinatorLog, random.nextLong(), (kill + 1) * SEQ_STRIDE);
            startNs += System.nanoTime() - t0;
            // From the first acknowledgement on, so that a slow start on a busy machine still kills mid-work.
            assertThat(child.firstAcknowledged.await(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                .as("kill %d: child acknowledged nothing (seed=%d)", kill, seed).isTrue();
            Thread.sleep(random.nextInt(0, 400));
            child.kill();
            acknowledged.addAll(child.acknowledged);
            transactions += child.transactions.get();
            final long t1 = System.nanoTime();
            verify(dataDirectory, coordinatorLog, acknowledged, seed, kill, lastEpoch);
            verifyNs += System.nanoTime() - t1;
        }
        System.out.println("CrashTest acknowledged=" + acknowledged.size() + " transactions=" + transactions
            + " compactedLivePartitionsSeen=" + COMPACTED_SEEN.get()
            + " childStartToFirstAckMs=" + startNs / 1_000_000 + " verifyMs=" + verifyNs / 1_000_000);
        assertThat(transactions).as("splits and merges run while killed (seed=%d)", seed).isPositive();
    }

    /** Live partitions found compacted after a kill, over the run (the child compacts in the background). */
    private static final AtomicInteger COMPACTED_SEEN = new AtomicInteger();

    private static void verify(final Path dataDirectory, final Path coordinatorLogFile, final List<Long> acknowledged,
        final long seed, final int kill, final long[] lastEpoch) throws IOException {
        try (LoadRecorder recorder = new LoadRecorder(1, CrashChild.SLOT_CAPACITY);
             PartitionStore store = PartitionStore.open(dataDirectory, recorder,
                 StoreOptions.of(Durability.ASYNC).withSegmentLengthBytes(CrashChild.SEGMENT_LENGTH_BYTES)
                     .withFields(CrashChild.FIELDS));
             CoordinatorLog log = CoordinatorLog.open(coordinatorLogFile)) {
            CrashChild.recover(store, log);
            final String context = "kill " + kill + " (seed=" + seed + ")";

            final List<PartitionView> live = store.livePartitions();
            assertThat(live.getFirst().keyLo()).as(context).isEqualTo(KeySpace.MIN_KEY);
            assertThat(live.getLast().keyHi()).as(context).isEqualTo(KeySpace.MAX_KEY);
            for (int i = 1; i < live.size(); i++) {
                assertThat(live.get(i).keyLo()).as(context).isEqualTo(live.get(i - 1).keyHi() + 1);
            }

            final ConcurrentHashMap<Long, Integer> seen = new ConcurrentHashMap<>();
            for (final PartitionView view : live) {
                store.scanPartition(view.partitionId(), (partitionId, record) -> count(seen, record));
            }
            final ConcurrentHashMap<Long, Integer> scanned = new ConcurrentHashMap<>();
            store.scan((partitionId, record) -> count(scanned, record));
            assertThat(seen).as("lineage reads and raw scan agree, %s", context).isEqualTo(scanned);
            assertThat(seen.entrySet().stream().filter(e -> e.getValue() != 1).toList())
                .as("points seen more than once, %s", context).isEmpty();
            final List<Long> missing = acknowledged.stream().filter(seq -> !seen.containsKey(seq)).toList();
            assertThat(missing).as("acknowledged points missing, %s", context).isEmpty();

            try (Stream<Path> directories = Files.list(dataDirectory.resolve(PartitionStore.PARTITIONS_DIRECTORY))) {
                assertThat(directories.count()).as("partition directories vs committed partitions, %s", context)
                    .isEqualTo(store.committedPartitionCount());
            }
            assertThat(log.inDoubt()).as(context).isEmpty();
            for (final PartitionView view : live) {
                if (store.isCompacted(view.partitionId())) {
                    COMPACTED_SEEN.incrementAndGet();
                }
            }
            assertThat(store.catalog().stream().filter(e -> e.state() == CatalogEntry.State.LIVE)
                .map(CatalogEntry::partitionId).toList())
                .as("catalog's live partitions, %s", context)
                .containsExactlyElementsOf(live.stream().map(PartitionView::partitionId).sorted().toList());
            final long epoch = store.routingTable().epoch();
            assertThat(epoch).as("routing epoch never goes back, %s", context).isGreaterThanOrEqualTo(lastEpoch[0]);
            lastEpoch[0] = epoch;
        }
    }

    private static void count(final ConcurrentHashMap<Long, Integer> counts, final RecordFlyweight record) {
        final long seq = record.timestampNs();
        if (record.value(0) != seq || record.value(1) != -seq || record.value(2) != seq / 2.0
            || !record.seriesKey().equals(CrashChild.seriesKey(seq))) {
            throw new AssertionError("point does not match its sequence number [record=" + record + "]");
        }
        counts.merge(seq, 1, Integer::sum);
    }

    /** A running {@link CrashChild} and what it printed. */
    private static final class Child {
        private final Process process;
        private final Thread reader;
        private final List<Long> acknowledged = new ArrayList<>();
        private final AtomicInteger transactions = new AtomicInteger();
        private final CountDownLatch ready = new CountDownLatch(1);
        private final CountDownLatch firstAcknowledged = new CountDownLatch(1);
        private final StringBuilder other = new StringBuilder();

        private Child(final Process process) {
            this.process = process;
            this.reader = Thread.ofPlatform().name("crash-child-reader").daemon(true).start(this::read);
        }

        static Child start(final Path dataDirectory, final Path coordinatorLog, final long seed,
            final long firstSeq) throws IOException, InterruptedException {
            final List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (final String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!argument.startsWith("-agentlib") && !argument.startsWith("-javaagent")) {
                    command.add(argument);
                }
            }
            command.add("-Xmx256m");
            // A short-lived process on a shared 2-core machine: C1 only and the serial collector start it faster.
            command.add("-XX:TieredStopAtLevel=1");
            command.add("-XX:+UseSerialGC");
            command.add("-Dslf4j.internal.verbosity=ERROR");
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(CrashChild.class.getName());
            command.add(dataDirectory.toString());
            command.add(coordinatorLog.toString());
            command.add(Long.toString(seed));
            command.add(Long.toString(firstSeq));
            final Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
            final Child child = new Child(process);
            if (!child.ready.await(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("crash child did not start [output=" + child.other + "]");
            }
            return child;
        }

        /** SIGKILL, then waits for the process and for the end of its output. */
        void kill() throws InterruptedException {
            if (!process.isAlive()) {
                reader.join();
                throw new AssertionError("crash child died before the kill [exitValue=" + process.exitValue()
                    + ", output=" + other + "]");
            }
            process.destroyForcibly();
            process.waitFor();
            reader.join();
        }

        private void read() {
            try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("A ")) {
                        acknowledged.add(Long.parseLong(line.substring(2)));
                        firstAcknowledged.countDown();
                    } else if (line.startsWith("T ")) {
                        transactions.incrementAndGet();
                    } else if (line.equals("READY")) {
                        ready.countDown();
                    } else {
                        other.append(line).append('\n');
                    }
                }
            } catch (final IOException e) {
                other.append("reader failed: ").append(e);
            }
        }
    }
}
