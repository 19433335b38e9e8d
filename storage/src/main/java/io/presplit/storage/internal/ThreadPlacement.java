package io.presplit.storage.internal;

import io.presplit.PresplitException;
import net.openhft.affinity.Affinity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where the store's threads run: writer-core pinning. With writer CPUs configured, each thread that opens a
 * writer is moved onto one of them ({@link #pinWriter}, round robin over the list), and every background thread of
 * the store (spares, seals and forces, compaction, group commit) moves itself onto the other online CPUs as it
 * starts ({@link #newBackgroundThread}). Without writer CPUs ({@link #NONE}) nothing is pinned.
 * <p>
 * Why: on a machine with few cores, a writer that shares its core with the store's background threads, a thread
 * running splits and merges and the JVM's own threads waits for a CPU for milliseconds at a time, whatever the
 * store does (docs/BENCHMARKS.md, "Writer-core pinning"). The store can move only its own threads: the deployment
 * that gives a writer a core of its own also keeps the rest of the process off it, e.g. {@code taskset -c 0 java …}
 * with writer CPU 1 on two cores (docs/OPERATIONS.md).
 * <p>
 * Linux only: {@code sched_setaffinity} through OpenHFT's Java-Thread-Affinity ({@link Affinity}). The pinning is
 * checked by reading the mask back, so a platform without support fails the writer's pinning with a clear error
 * instead of running unpinned while the operator believes otherwise.
 * <p>
 * Threads: any; immutable apart from the round-robin cursor and the failure count (atomics).
 */
public final class ThreadPlacement {
    /** Nothing pinned: threads run wherever the operating system puts them. */
    public static final ThreadPlacement NONE = new ThreadPlacement(null, null);
    /** Error code of a pinning that the operating system refused. */
    public static final String THREAD_AFFINITY = "THREAD_AFFINITY";

    private static final Logger LOG = LoggerFactory.getLogger(ThreadPlacement.class);
    private static final Path ONLINE_CPUS = Path.of("/sys/devices/system/cpu/online");

    /** The writer CPUs in configured order, or {@code null} for {@link #NONE}. */
    private final int[] writerCpus;
    /** Online CPUs less the writer CPUs, or {@code null} for {@link #NONE}. */
    private final BitSet backgroundCpus;
    private final AtomicInteger nextWriter = new AtomicInteger();
    private final AtomicLong failures = new AtomicLong();

    private ThreadPlacement(final int[] writerCpus, final BitSet backgroundCpus) {
        this.writerCpus = writerCpus;
        this.backgroundCpus = backgroundCpus;
    }

    /**
     * A placement with these writer CPUs; {@link #NONE} when the list is empty. Cold.
     *
     * @throws IllegalArgumentException when a CPU is not online, is listed twice, or the list leaves no online
     *                                  CPU for the background threads.
     */
    public static ThreadPlacement ofWriterCpus(final List<Integer> cpus) {
        if (cpus.isEmpty()) {
            return NONE;
        }
        final BitSet online = onlineCpus();
        final BitSet writers = new BitSet();
        final int[] ordered = new int[cpus.size()];
        for (int i = 0; i < ordered.length; i++) {
            final int cpu = cpus.get(i);
            if (cpu < 0 || !online.get(cpu) || writers.get(cpu)) {
                throw new IllegalArgumentException("writer CPU not online or listed twice [cpu=" + cpu
                    + ", writerCpus=" + cpus + ", onlineCpus=" + online + "]");
            }
            writers.set(cpu);
            ordered[i] = cpu;
        }
        final BitSet background = (BitSet) online.clone();
        background.andNot(writers);
        if (background.isEmpty()) {
            throw new IllegalArgumentException("writer CPUs leave no CPU for the store's background threads "
                + "[writerCpus=" + cpus + ", onlineCpus=" + online + "]");
        }
        return new ThreadPlacement(ordered, background);
    }

    /** Whether writers and background threads are pinned. */
    public boolean isPinning() {
        return writerCpus != null;
    }

    /** The CPUs the background threads run on (a copy), or an empty set when nothing is pinned. */
    public BitSet backgroundCpus() {
        return backgroundCpus == null ? new BitSet() : (BitSet) backgroundCpus.clone();
    }

    /**
     * Moves the calling thread onto the next writer CPU (round robin) and returns it; returns -1 and does nothing
     * for {@link #NONE}. Cold: once per writer.
     *
     * @throws PresplitException ({@link #THREAD_AFFINITY}) when the operating system refuses the CPU (outside the
     *                           process's cpuset, or no affinity support on this platform).
     */
    public int pinWriter() {
        if (writerCpus == null) {
            return -1;
        }
        final int cpu = writerCpus[Math.floorMod(nextWriter.getAndIncrement(), writerCpus.length)];
        final BitSet mask = new BitSet();
        mask.set(cpu);
        pinCurrentThread(mask);
        return cpu;
    }

    /**
     * A daemon platform thread, not started, that first moves itself onto the background CPUs (when pinning),
     * then runs {@code body}. A refused pinning is logged and counted ({@link #failures()}) and the thread runs
     * where it is: a background thread on a writer's core slows the writer, it does not make the store wrong.
     */
    public Thread newBackgroundThread(final String name, final Runnable body) {
        if (backgroundCpus == null) {
            return Thread.ofPlatform().name(name).daemon(true).unstarted(body);
        }
        return Thread.ofPlatform().name(name).daemon(true).unstarted(() -> {
            try {
                pinCurrentThread(backgroundCpus);
            } catch (final PresplitException e) {
                final long failed = failures.incrementAndGet();
                LOG.warn("background thread not pinned [thread={}, cpus={}, failures={}, error={}]", name,
                    backgroundCpus, failed, e.getMessage());
            }
            body.run();
        });
    }

    /** Background threads whose pinning the operating system refused. */
    public long failures() {
        return failures.get();
    }

    /** The CPUs of the calling thread's affinity mask. */
    public static BitSet currentThreadCpus() {
        return (BitSet) Affinity.getAffinity().clone();
    }

    /**
     * The online CPUs ({@code /sys/devices/system/cpu/online}, a Linux CPU list such as {@code 0-3,6}); where the
     * file is missing, CPUs 0 to {@link Runtime#availableProcessors()} - 1.
     */
    public static BitSet onlineCpus() {
        if (!Files.isReadable(ONLINE_CPUS)) {
            final BitSet all = new BitSet();
            all.set(0, Runtime.getRuntime().availableProcessors());
            return all;
        }
        try {
            return parseCpuList(Files.readString(ONLINE_CPUS, StandardCharsets.US_ASCII));
        } catch (final IOException e) {
            throw new PresplitException(PresplitException.Category.ERROR, THREAD_AFFINITY,
                "cannot read the online CPUs [path=" + ONLINE_CPUS + ", error=" + e + "]", e);
        }
    }

    /**
     * Parses a Linux CPU list ({@code 0-3,6}, as in {@code /sys/devices/system/cpu/online} and {@code taskset -c}).
     *
     * @throws IllegalArgumentException on anything else, naming the list.
     */
    public static BitSet parseCpuList(final String list) {
        final BitSet cpus = new BitSet();
        final String trimmed = list.strip();
        if (trimmed.isEmpty()) {
            return cpus;
        }
        try {
            for (final String part : trimmed.split(",")) {
                final int dash = part.indexOf('-');
                final int first = Integer.parseInt(dash < 0 ? part.strip() : part.substring(0, dash).strip());
                final int last = dash < 0 ? first : Integer.parseInt(part.substring(dash + 1).strip());
                if (first < 0 || last < first) {
                    throw new IllegalArgumentException("invalid CPU range [list=" + list + ", range=" + part + "]");
                }
                cpus.set(first, last + 1);
            }
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException("invalid CPU list [list=" + list + "]", e);
        }
        return cpus;
    }

    private static void pinCurrentThread(final BitSet cpus) {
        try {
            Affinity.setAffinity(cpus);
        } catch (final RuntimeException | LinkageError e) {
            throw new PresplitException(PresplitException.Category.ERROR, THREAD_AFFINITY, "cannot pin thread [thread="
                + Thread.currentThread().getName() + ", cpus=" + cpus + ", error=" + e + "]", e);
        }
        // The kernel keeps only the CPUs of the process's cpuset: a subset is pinned, anything else is not.
        final BitSet actual = Affinity.getAffinity();
        final BitSet outside = (BitSet) actual.clone();
        outside.andNot(cpus);
        if (actual.isEmpty() || !outside.isEmpty()) {
            throw new PresplitException(PresplitException.Category.ERROR, THREAD_AFFINITY, "thread not pinned: "
                + "the platform has no thread affinity support [thread=" + Thread.currentThread().getName()
                + ", cpus=" + cpus + ", actual=" + actual + ", affinity=" + Affinity.getAffinityImpl().getClass()
                .getSimpleName() + "]");
        }
    }
}
