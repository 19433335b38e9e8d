package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.presplit.profile.LoadRecorder;
import io.presplit.storage.internal.ThreadPlacement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Writer-core pinning ({@link StoreOptions#writerCpus()}): the thread that opens a writer runs on a writer CPU and
 * the store's own threads stay off it, so that a latency-sensitive writer does not wait for a CPU behind them.
 */
@ExtendWith(LeakCheck.class)
final class WriterPinningTest {
    private static final Path TASKS = Path.of("/proc/self/task");

    @TempDir
    private Path dataDirectory;

    private final LoadRecorder recorder = new LoadRecorder(2, 8);

    @AfterEach
    void closeRecorder() {
        recorder.close();
    }

    /**
     * Guards the pinning itself: without it a writer shares its core with the store's spare, seal and force
     * threads, which is what set the write stall's maximum on two cores. The writer's thread must end up on the
     * writer CPU alone, and every store thread on the other online CPUs, and the writes must still land.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldRunWriterOnItsCpuAndBackgroundThreadsElsewhereWhenWriterCpusAreSet() throws Exception {
        final BitSet online = ThreadPlacement.onlineCpus();
        assumeTrue(online.cardinality() >= 2 && Files.isDirectory(TASKS), "needs Linux and two online CPUs");
        final int writerCpu = online.length() - 1;
        final BitSet background = (BitSet) online.clone();
        background.clear(writerCpu);
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder,
            StoreOptions.of(Durability.GROUP).withWriterCpus(writerCpu))) {
            final AtomicReference<BitSet> writerMask = new AtomicReference<>();
            // A thread of its own: the pinning is for the thread's lifetime, and JUnit's thread runs other tests.
            final Thread writerThread = Thread.ofPlatform().name("pinned-writer").start(() -> {
                final PartitionWriter writer = store.openWriter();
                writerMask.set(ThreadPlacement.currentThreadCpus());
                for (int i = 0; i < 100; i++) {
                    writer.writeUnforced("series-" + (i % 7), i, i);
                }
                writer.awaitForced();
            });
            writerThread.join();

            final BitSet expectedWriterMask = new BitSet();
            expectedWriterMask.set(writerCpu);
            assertThat(writerMask.get()).isEqualTo(expectedWriterMask);
            final int[] count = new int[1];
            store.scan((partitionId, record) -> count[0]++);
            assertThat(count[0]).isEqualTo(100);
            // Each background thread pins itself as it starts: wait until all have.
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<String> misplaced = misplacedStoreThreads(background);
            while (!misplaced.isEmpty() && System.nanoTime() < deadlineNs) {
                Thread.sleep(10);
                misplaced = misplacedStoreThreads(background);
            }
            assertThat(misplaced).as("store threads not on CPUs %s", background).isEmpty();
            assertThat(storeThreadCount()).as("store threads seen").isGreaterThanOrEqualTo(4);
            assertThat(store.threadPlacementFailures()).isZero();
        }
    }

    /** Guards the default: a store without writer CPUs must leave the caller's thread where it was. */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void shouldLeaveWriterThreadAloneWhenNoWriterCpusAreSet() throws Exception {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder, StoreOptions.of(Durability.ASYNC))) {
            final AtomicReference<BitSet> before = new AtomicReference<>();
            final AtomicReference<BitSet> after = new AtomicReference<>();
            final Thread writerThread = Thread.ofPlatform().start(() -> {
                before.set(ThreadPlacement.currentThreadCpus());
                store.openWriter().write("series", 1, 1.0);
                after.set(ThreadPlacement.currentThreadCpus());
            });
            writerThread.join();
            assertThat(after.get()).isEqualTo(before.get());
        }
    }

    /**
     * Guards the configuration error: writer CPUs that take every online CPU leave the store's threads nowhere to
     * run; the open must refuse before it touches the data directory, naming the CPUs.
     */
    @Test
    void shouldRefuseWriterCpusThatLeaveNoCpuForBackgroundThreads() {
        final int[] all = ThreadPlacement.onlineCpus().stream().toArray();
        final Path missing = dataDirectory.resolve("never-created");
        assertThatThrownBy(() -> PartitionStore.open(missing, recorder,
            StoreOptions.of(Durability.ASYNC).withWriterCpus(all)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("leave no CPU for the store's background threads");
        assertThat(missing).doesNotExist();
    }

    /** Guards typos in the CPU list: an offline or repeated CPU is named in the error, not ignored. */
    @Test
    void shouldRefuseOfflineOrRepeatedWriterCpu() {
        final int offline = ThreadPlacement.onlineCpus().length() + 1000;
        assertThatThrownBy(() -> ThreadPlacement.ofWriterCpus(List.of(offline)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("cpu=" + offline);
        assertThatThrownBy(() -> ThreadPlacement.ofWriterCpus(List.of(0, 0)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("listed twice");
        assertThatThrownBy(() -> StoreOptions.of(Durability.ASYNC).withWriterCpus(-1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("negative writer CPU");
    }

    /** Guards the CPU-list syntax shared with {@code taskset -c} and {@code /sys/devices/system/cpu/online}. */
    @Test
    void shouldParseLinuxCpuLists() {
        final BitSet expected = new BitSet();
        expected.set(0, 4);
        expected.set(6);
        assertThat(ThreadPlacement.parseCpuList("0-3,6\n")).isEqualTo(expected);
        assertThat(ThreadPlacement.parseCpuList(" ").isEmpty()).isTrue();
        assertThatThrownBy(() -> ThreadPlacement.parseCpuList("3-1"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("range=3-1");
        assertThatThrownBy(() -> ThreadPlacement.parseCpuList("one"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("list=one");
    }

    /** The store's threads ({@code presplit-*}, as the kernel names them) whose CPUs are not {@code expected}. */
    private static List<String> misplacedStoreThreads(final BitSet expected) throws IOException {
        final List<String> misplaced = new ArrayList<>();
        for (final Path task : storeTasks()) {
            final BitSet cpus = allowedCpus(task);
            if (!cpus.equals(expected)) {
                misplaced.add(Files.readString(task.resolve("comm")).strip() + " on " + cpus);
            }
        }
        return misplaced;
    }

    private static int storeThreadCount() throws IOException {
        return storeTasks().size();
    }

    private static List<Path> storeTasks() throws IOException {
        final List<Path> tasks = new ArrayList<>();
        try (Stream<Path> all = Files.list(TASKS)) {
            for (final Path task : (Iterable<Path>) all::iterator) {
                try {
                    if (Files.readString(task.resolve("comm")).startsWith("presplit-")) {
                        tasks.add(task);
                    }
                } catch (final IOException e) {
                    // The thread ended while listing: nothing to check.
                }
            }
        }
        return tasks;
    }

    private static BitSet allowedCpus(final Path task) throws IOException {
        for (final String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return ThreadPlacement.parseCpuList(line.substring(line.indexOf(':') + 1));
            }
        }
        throw new IOException("no Cpus_allowed_list [task=" + task + "]");
    }
}
