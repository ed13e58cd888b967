package io.aibridge.retention.schedule;

import io.aibridge.retention.config.DurationSyntax;
import io.aibridge.retention.config.RetentionConfig;
import io.aibridge.retention.purge.PurgeService;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the purge once at start and then {@code AIBRIDGE_RETENTION_INTERVAL} after the end of each
 * run, on one thread of its own: runs of one replica never overlap, the blocking JDBC work never
 * occupies a Quarkus worker or event-loop thread, and the HTTP probes are up while a run is going.
 * With {@code AIBRIDGE_RETENTION=0} nothing is scheduled at all.
 */
@ApplicationScoped
public class PurgeScheduler {

    private static final Logger LOG = Logger.getLogger(PurgeScheduler.class);

    private final PurgeService purge;
    private final RetentionConfig config;
    private final Clock clock;
    private ScheduledExecutorService executor;

    public PurgeScheduler(PurgeService purge, RetentionConfig config) {
        this.purge = purge;
        this.config = config;
        this.clock = Clock.systemUTC();
    }

    void start(@Observes StartupEvent started) {
        if (config.period().isZero()) {
            LOG.info("Retention is disabled (AIBRIDGE_RETENTION=0): interception data is kept forever and never purged");
            return;
        }
        LOG.infof("Retention: purging interceptions older than %s every %s%s", DurationSyntax.format(config.period()),
                DurationSyntax.format(config.interval()), config.dryRun() ? " (dry run: nothing is deleted)" : "");
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "aibridge-retention-purge");
            thread.setDaemon(true);
            return thread;
        });
        executor.scheduleWithFixedDelay(this::runOnce, 0, config.interval().toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (executor != null) {
            // Interrupts a run between two steps; whatever it leaves half done, the next run finishes.
            executor.shutdownNow();
        }
    }

    /** True when runs are scheduled (retention is not 0). */
    public boolean scheduled() {
        return executor != null && !executor.isShutdown();
    }

    private void runOnce() {
        try {
            purge.purge(clock.instant().truncatedTo(ChronoUnit.MILLIS), config.period(), config.dryRun());
        } catch (InterruptedException e) {
            LOG.info("Retention purge interrupted by shutdown; the next start picks up where it stopped");
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // Never let an exception escape: the executor would cancel every later run.
            LOG.errorf(e, "Retention purge failed; trying again in %s", DurationSyntax.format(config.interval()));
        }
    }
}
