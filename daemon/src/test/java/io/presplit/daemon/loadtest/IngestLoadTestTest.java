package io.presplit.daemon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A two-second smoke run of the HTTP ingest load test (the measured runs are `presplit loadtest`). */
class IngestLoadTestTest {
    @TempDir
    Path dir;

    /**
     * Guards the load test's own promise and the write path under splits: with capacity far below the offered load
     * the engine splits while clients write, and every acknowledged point is in the store afterwards.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldCountBackEveryAcknowledgedPointWhenEngineSplitsDuringIngest() throws Exception {
        final IngestLoadTest.Result result = IngestLoadTest.run(new IngestLoadTest.Settings(dir, 3, 2, 500, 1000,
            200, 5_000, 2));
        assertThat(result.failedRequests()).isZero();
        assertThat(result.pointsAcknowledged()).isPositive();
        assertThat(result.pointsCounted()).isEqualTo(result.pointsAcknowledged());
        assertThat(result.splits()).as("splits during ingest").isPositive();
        assertThat(result.latencyUs().getTotalCount()).isEqualTo(result.requests());
    }

    /** A failed write's answer says how many of its points it wrote, and the load test counts them as stored. */
    @Test
    void shouldReadThePointsAFailedWriteWroteFromItsAnswer() {
        assertThat(IngestLoadTest.pointsWrittenBeforeFailure("{\"code\":\"internal error\",\"message\":\"write failed "
            + "in the store after 1234 of the batch's points were written (a retry writes them again): STORAGE_IO\"}"))
            .isEqualTo(1234);
        assertThat(IngestLoadTest.pointsWrittenBeforeFailure("{\"code\":\"unavailable\"}")).isZero();
    }
}
