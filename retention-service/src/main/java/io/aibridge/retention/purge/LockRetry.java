package io.aibridge.retention.purge;

import io.aibridge.retention.config.RetentionConfig;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;

/**
 * Runs one purge step again when it lost a lock race: it hit the purge's short lock_timeout
 * (something else held a lock it needed), or PostgreSQL picked it as a deadlock victim. Every step
 * is idempotent, so trying again is always safe. After the configured attempts the last error is
 * thrown and the caller leaves the step to the next run.
 */
@ApplicationScoped
public class LockRetry {

    private static final Logger LOG = Logger.getLogger(LockRetry.class);

    /** SQLSTATEs: lock_not_available (lock_timeout), deadlock_detected, serialization_failure. */
    private static final Set<String> RETRYABLE = Set.of("55P03", "40P01", "40001");
    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(2);

    private final int attempts;

    public LockRetry(RetentionConfig config) {
        this.attempts = config.lockAttempts();
    }

    /** A step that talks to the database. */
    @FunctionalInterface
    public interface Step<T> {
        T run() throws SQLException;
    }

    /** True when {@code e} means the step lost a lock race and may simply be tried again. */
    public static boolean lostLockRace(SQLException e) {
        return e.getSQLState() != null && RETRYABLE.contains(e.getSQLState());
    }

    /** Runs {@code step}, trying again (with a growing pause) after a lost lock race. */
    public <T> T run(String what, Step<T> step) throws SQLException, InterruptedException {
        Duration pause = FIRST_PAUSE;
        for (int attempt = 1; ; attempt++) {
            try {
                return step.run();
            } catch (SQLException e) {
                if (!lostLockRace(e) || attempt >= attempts) {
                    throw e;
                }
                LOG.debugf("%s: %s (attempt %d of %d); trying again in %d ms", what, e.getMessage(), attempt, attempts,
                        pause.toMillis());
                Thread.sleep(pause.toMillis());
                pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
            }
        }
    }
}
