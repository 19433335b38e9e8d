package io.presplit.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.presplit.AllocationMeter;
import io.presplit.PresplitException;
import io.presplit.coordinate.PartitionParticipant.PartitionView;
import io.presplit.keyspace.KeySpace;
import io.presplit.profile.LoadRecorder;
import io.presplit.storage.internal.StoreLock;
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

/** The store on its own: first open, the write path, reads, reopen, input checks, resource handling. */
@ExtendWith(LeakCheck.class)
final class PartitionStoreTest {
    private static final long SMALL_SEGMENT_BYTES = 4 * SegmentDescriptor.MIN_SEGMENT_LENGTH;

    @TempDir
    private Path dataDirectory;

    private final LoadRecorder recorder = new LoadRecorder(4, 8);

    @AfterEach
    void closeRecorder() {
        recorder.close();
    }

    /**
     * Guards the first open: an empty directory must become a store with one routable partition, id 0 and load
     * slot 0, over the whole key space, or the first write has nowhere to go.
     */
    @Test
    void shouldCreateInitialPartitionOverWholeKeySpaceWhenDirectoryIsEmpty() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            assertThat(store.livePartitions())
                .containsExactly(new PartitionView(0, KeySpace.MIN_KEY, KeySpace.MAX_KEY, 0));
            assertThat(store.maxPartitionId()).isZero();
            assertThat(store.routingTable().epoch()).isEqualTo(1);
            assertThat(Files.isRegularFile(SegmentFiles.segment(dataDirectory, 0, 0))).isTrue();
        }
    }

    /**
     * Guards the write path end to end: each point written is read back exactly once, and counted in the load
     * recorder under the partition's slot with its record bytes, in the key bucket of its partition key.
     */
    @Test
    void shouldReadBackEveryPointAndCountItsLoadWhenWritten() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            final PartitionWriter writer = store.openWriter();
            final List<Point> written = writeSeries(writer, 20, 5);

            final Points points = new Points();
            store.scan(points);

            assertThat(points.all()).allSatisfy(point -> assertThat(point.partitionId()).isZero());
            assertThat(points.written()).containsExactlyElementsOf(written);
            assertThat(recorder.sumPoints(0)).isEqualTo(written.size());
            final long expectedBytes = written.stream()
                .mapToLong(point -> SegmentDescriptor.recordLength(1, point.seriesKey().length())).sum();
            assertThat(recorder.sumBytes(0)).isEqualTo(expectedBytes);
            final long width = KeySpace.bucketWidth(KeySpace.MIN_KEY, KeySpace.MAX_KEY);
            final int bucket = KeySpace.bucketOf(KeySpace.partitionKey("series-3"), KeySpace.MIN_KEY, width);
            assertThat(recorder.sumBucketPoints(0, bucket)).isGreaterThanOrEqualTo(5);
        }
    }

    /**
     * Guards one store directory against two owners: a second open while the first is open fails at once with the
     * holder named, before it reads or writes anything of the store; once the first closes, the directory opens.
     * (Across processes: {@code DaemonProcessTest}.)
     */
    @Test
    void shouldRefuseASecondOpenOfTheSameDirectoryUntilTheFirstCloses() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            store.openWriter().write("kept", 1, 1);
            assertThatThrownBy(() -> PartitionStore.open(dataDirectory, recorder))
                .isInstanceOf(PresplitException.class)
                .satisfies(e -> assertThat(((PresplitException) e).code()).isEqualTo(StoreLock.STORE_LOCKED))
                .hasMessage("STORE_LOCKED: the store is open in this process [directory=" + dataDirectory
                    + ", lockFile=" + dataDirectory.resolve(StoreLock.FILE_NAME) + ", holderPid="
                    + ProcessHandle.current().pid() + "]");
        }
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            final Points points = new Points();
            store.scan(points);
            assertThat(points.written()).containsExactly(Point.written("kept", 1, 1));
        }
    }

    /** Guards reopen: every point survives a close and reopen, across chained segments, and writes continue. */
    @Test
    void shouldFindEveryPointWhenReopenedAfterClose() {
        final List<Point> written;
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder, SMALL_SEGMENT_BYTES)) {
            written = new ArrayList<>(writeSeries(store.openWriter(), 30, 10));
        }
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder, SMALL_SEGMENT_BYTES)) {
            final PartitionWriter writer = store.openWriter();
            writer.write("after", 1, 2);
            written.add(Point.written("after", 1, 2));

            final Points points = new Points();
            store.scan(points);
            assertThat(points.written()).containsExactlyElementsOf(written);
            assertThat(store.livePartitions()).hasSize(1);
        }
    }

    /**
     * Guards the input rules at the store's door: each bad point is rejected with a message naming the problem,
     * and nothing is written or counted (a half-written point would be a record nobody asked for).
     */
    @Test
    void shouldRejectInvalidInputAndWriteNothingWhenInputIsBad() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            final PartitionWriter writer = store.openWriter();

            assertThatThrownBy(() -> writer.write("", 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("series key must not be empty");
            assertThatThrownBy(() -> writer.write("x".repeat(1025), 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("series key too long");
            assertThatThrownBy(() -> writer.write("cpu", 1, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value must be finite");
            assertThatThrownBy(() -> writer.write("cpu", 1, Double.NEGATIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("value=-Infinity");
            assertThatThrownBy(() -> writer.write("cpu", -5, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timestampNs=-5");

            final Points points = new Points();
            store.scan(points);
            assertThat(points.all()).isEmpty();
            assertThat(recorder.sumPoints(0)).isZero();
            assertThat(recorder.sumBytes(0)).isZero();
        }
    }

    /**
     * Guards the query filter: it must return the asked series only (not another series that shares the
     * partition, or even the partition key) and only timestamps inside the inclusive range, in write order.
     */
    @Test
    void shouldReturnOnlyTheSeriesAndTimeRangeWhenQueried() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            writeSeries(store.openWriter(), 10, 10);

            final Points points = new Points();
            store.query("series-4", 3, 6, points);

            assertThat(points.written()).containsExactly(
                seriesPoint(4, 3), seriesPoint(4, 4), seriesPoint(4, 5), seriesPoint(4, 6));
            assertThatThrownBy(() -> store.query("series-4", 6, 3, points))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fromNs=6, toNs=3");
        }
    }

    /**
     * Guards the allocation-free hot path (STYLE.md section 6): once warm, writing ASCII-keyed points through a
     * writer (encode, route, append, record load) must not allocate, or ingest would feed the garbage collector.
     */
    @Test
    void shouldNotAllocateWhenWritingAsciiKeysOnceWarm() {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            final PartitionWriter writer = store.openWriter();
            final String[] keys = {"cpu,host=a", "cpu,host=b", "mem,host=a", "disk,host=c"};
            for (int i = 0; i < 100_000; i++) {
                writer.write(keys[i & 3], i, i);
            }
            final int[] i = {0};
            final long allocatedBytes = AllocationMeter.allocatedBytes(10_000, () -> {
                writer.write(keys[i[0] & 3], i[0], i[0]);
                i[0]++;
            });

            assertThat(allocatedBytes).as("bytes allocated by 10,000 warm writes").isLessThan(1_000);
        }
    }

    /**
     * Guards the failed open: partitions opened before the failing one must be closed (mappings and files
     * released, which the leak check verifies) and the failure rethrown.
     */
    @Test
    void shouldReleaseOpenedPartitionsWhenOpenFails() throws IOException {
        try (PartitionStore store = PartitionStore.open(dataDirectory, recorder)) {
            store.openWriter().write("cpu", 1, 1);
        }
        final Path bogus = SegmentFiles.segment(dataDirectory, 5, 0);
        Files.createDirectories(bogus.getParent());
        // Not all zero (that would be a torn creation, deleted on open): a wrong magic.
        final byte[] bytes = new byte[(int) SegmentDescriptor.MIN_SEGMENT_LENGTH];
        bytes[0] = 1;
        Files.write(bogus, bytes);

        assertThatThrownBy(() -> PartitionStore.open(dataDirectory, recorder))
            .isInstanceOf(PresplitException.class).hasMessageContaining("not a segment file");
    }

    /** Guards the no-op repeat of close and the refusal of new work afterwards. */
    @Test
    void shouldDoNothingWhenClosedTwice() {
        final PartitionStore store = PartitionStore.open(dataDirectory, recorder);
        store.close();
        store.close();

        assertThatThrownBy(store::openWriter).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("partition store is closed");
    }

    /** Guards configuration checks: a segment too small for the longest record would never accept it. */
    @Test
    void shouldRejectSegmentLengthWhenTooSmallForLongestRecord() {
        assertThatThrownBy(() -> PartitionStore.open(dataDirectory, recorder, SegmentDescriptor.MIN_SEGMENT_LENGTH - 8))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid segment length");
    }

    /** Writes {@code seriesCount} series of {@code pointsPerSeries} points, time-major; returns them in order. */
    static List<Point> writeSeries(final PartitionWriter writer, final int seriesCount, final int pointsPerSeries) {
        final List<Point> written = new ArrayList<>();
        for (int t = 0; t < pointsPerSeries; t++) {
            for (int s = 0; s < seriesCount; s++) {
                final Point point = seriesPoint(s, t);
                writer.write(point.seriesKey(), point.timestampNs(), point.value());
                written.add(point);
            }
        }
        return written;
    }

    /** Point {@code t} of series {@code s} as {@link #writeSeries} writes it. */
    static Point seriesPoint(final int s, final int t) {
        return Point.written("series-" + s, t, s + t / 100.0);
    }
}
