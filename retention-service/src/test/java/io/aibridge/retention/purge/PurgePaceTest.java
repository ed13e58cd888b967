package io.aibridge.retention.purge;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The pause after each purge statement: the run works at most its duty cycle's share of the time. */
class PurgePaceTest {

    private static final long TEN_MS = TimeUnit.MILLISECONDS.toNanos(10);

    @Test
    void halfTheTimeMeansAPauseAsLongAsTheStatement() {
        assertThat(new PurgePace(50).pauseAfter(TEN_MS)).isEqualTo(Duration.ofMillis(10));
    }

    @Test
    void aQuarterOfTheTimeMeansThreeTimesAsLong() {
        assertThat(new PurgePace(25).pauseAfter(TEN_MS)).isEqualTo(Duration.ofMillis(30));
        assertThat(new PurgePace(80).pauseAfter(TEN_MS)).isEqualTo(Duration.ofNanos(2_500_000));
    }

    @Test
    void aHundredPercentNeverPauses() {
        assertThat(new PurgePace(100).pauseAfter(TEN_MS)).isZero();
        assertThat(new PurgePace(50).pauseAfter(0)).isZero();
    }

    @Test
    void aLongStatementPausesAtMostASecond() {
        // a statement that waited out a lock for seconds is no reason to sit idle as long again
        assertThat(new PurgePace(10).pauseAfter(TimeUnit.SECONDS.toNanos(5))).isEqualTo(PurgePace.LONGEST_PAUSE);
    }

    @Test
    void thePauseIsSleptAndReported() throws InterruptedException {
        PurgePace pace = new PurgePace(50);
        PurgeReport.Builder work = new PurgeReport.Builder(false, Instant.parse("2026-12-01T00:00:00Z"), Duration.ofDays(60));
        long started = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(40);

        long before = System.nanoTime();
        pace.pause(started, work);
        long slept = System.nanoTime() - before;

        Duration paused = work.build(Duration.ZERO).paused();
        assertThat(paused).isGreaterThanOrEqualTo(Duration.ofMillis(40));
        assertThat(slept).isGreaterThanOrEqualTo(paused.toNanos());
    }

    @Test
    void onlyPercentagesAreAccepted() {
        assertThatIllegalArgumentException().isThrownBy(() -> new PurgePace(0));
        assertThatIllegalArgumentException().isThrownBy(() -> new PurgePace(101));
    }
}
