package io.aibridge.retention.schedule;

import io.aibridge.retention.config.DurationSyntax;
import io.aibridge.retention.config.RetentionConfig;
import io.aibridge.retention.purge.PurgeReport;
import io.aibridge.retention.purge.PurgeService;
import io.aibridge.telemetry.TracingConfigInterceptor;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the purge once at start and then {@code AIBRIDGE_RETENTION_INTERVAL} after the end of each
 * run (every {@value #SCHEMA_WAIT_SECONDS} s while recorder-service has not created the schema yet,
 * as on a fresh install where both start together), on one thread of its own: runs of one replica
 * never overlap, the blocking JDBC work never occupies a Quarkus worker or event-loop thread, and
 * the HTTP probes are up while a run is going.
 * With {@code AIBRIDGE_RETENTION=0} no run is scheduled; the start only removes the retention
 * horizon that earlier runs left (tried again every {@value #SCHEMA_WAIT_SECONDS} s until the
 * database answers), so that the recorder stores late events of any day. With {@code AIBRIDGE_TRACE_ENABLE=true}
 * each run is one {@value #PURGE_SPAN} span (a trace of its own) with what it removed.
 */
@ApplicationScoped
public class PurgeScheduler {

    private static final Logger LOG = Logger.getLogger(PurgeScheduler.class);

    /** The span of one purge run. */
    public static final String PURGE_SPAN = "Retention.Purge";
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("purge.outcome");
    public static final AttributeKey<Boolean> DRY_RUN = AttributeKey.booleanKey("purge.dry_run");
    public static final AttributeKey<String> CUTOFF = AttributeKey.stringKey("purge.cutoff");
    /** Rows removed from the five interception tables (or that would be, in a dry run). */
    public static final AttributeKey<Long> ROWS = AttributeKey.longKey("purge.rows");
    public static final AttributeKey<Long> PARTITIONS_DROPPED = AttributeKey.longKey("purge.partitions_dropped");
    public static final AttributeKey<Long> SESSIONS_REMOVED = AttributeKey.longKey("purge.sessions_removed");
    public static final AttributeKey<Long> SESSIONS_REFRESHED = AttributeKey.longKey("purge.sessions_refreshed");
    /** Of the span's duration, the pauses that left the database to the recorder (AIBRIDGE_RETENTION_DUTY_CYCLE). */
    public static final AttributeKey<Double> PAUSED_SECONDS = AttributeKey.doubleKey("purge.paused_seconds");

    /** How soon a run that found no schema is tried again. */
    static final long SCHEMA_WAIT_SECONDS = 15;
    /** A wait for the schema longer than this is logged as a warning, once. */
    private static final Duration SCHEMA_WAIT_WARNING = Duration.ofMinutes(5);

    private final PurgeService purge;
    private final RetentionConfig config;
    private final Clock clock;
    private final Tracer tracer;
    private final boolean tracing;
    private ScheduledExecutorService executor;
    /** With retention 0, while the horizon could not be removed yet. */
    private ScheduledExecutorService horizonRetries;
    /** When the runs started finding no schema; null once it is there. Written by the purge thread only. */
    private volatile Instant waitingForSchemaSince;
    private boolean warnedAboutSchema;

    public PurgeScheduler(PurgeService purge, RetentionConfig config, Tracer tracer,
                          @ConfigProperty(name = TracingConfigInterceptor.SDK_DISABLED) boolean tracingOff) {
        this.purge = purge;
        this.config = config;
        this.clock = Clock.systemUTC();
        this.tracer = tracer;
        this.tracing = !tracingOff;
    }

    void start(@Observes StartupEvent started) {
        if (config.period().isZero()) {
            LOG.info("Retention is disabled (AIBRIDGE_RETENTION=0): interception data is kept forever and never purged");
            // On the start thread, so that no old horizon is left once the service has started.
            if (!clearHorizon()) {
                horizonRetries = Executors.newSingleThreadScheduledExecutor(runnable -> {
                    Thread thread = new Thread(runnable, "aibridge-retention-horizon");
                    thread.setDaemon(true);
                    return thread;
                });
                horizonRetries.scheduleWithFixedDelay(() -> {
                    if (clearHorizon()) {
                        horizonRetries.shutdown();
                    }
                }, SCHEMA_WAIT_SECONDS, SCHEMA_WAIT_SECONDS, TimeUnit.SECONDS);
            }
            return;
        }
        LOG.infof("Retention: purging interceptions older than %s every %s%s", DurationSyntax.format(config.period()),
                DurationSyntax.format(config.interval()), config.dryRun() ? " (dry run: nothing is deleted)" : "");
        executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "aibridge-retention-purge");
            thread.setDaemon(true);
            return thread;
        });
        executor.execute(() -> {
            try {
                connect();
            } finally {
                runAndScheduleNext();
            }
        });
    }

    /** Connects before the first run, so that its duration is its own work; a failure is the first run's to report. */
    private void connect() {
        try {
            LOG.debugf("Retention: connected to the database in %d ms", purge.connect().toMillis());
        } catch (SQLException | RuntimeException e) {
            LOG.debugf("Retention: could not connect to the database before the first run: %s", e);
        }
    }

    private void runAndScheduleNext() {
        PurgeReport.Outcome outcome = null;
        try {
            outcome = runOnce();
        } finally {
            // Whatever the run ended with: a run that is never scheduled again would leave the service
            // up and healthy with nothing purged from then on.
            long delayMillis = outcome == PurgeReport.Outcome.NO_SCHEMA ? TimeUnit.SECONDS.toMillis(SCHEMA_WAIT_SECONDS)
                    : config.interval().toMillis();
            try {
                executor.schedule(this::runAndScheduleNext, delayMillis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                // shut down while this run was ending
            }
        }
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (horizonRetries != null) {
            horizonRetries.shutdownNow();
        }
        if (executor != null) {
            // Interrupts a run between two steps; whatever it leaves half done, the next run finishes.
            executor.shutdownNow();
        }
    }

    /**
     * Removes the horizon earlier runs left: with retention 0 no day is expired, and a late event
     * of a day they dropped is stored again. False when the database could not be reached.
     */
    private boolean clearHorizon() {
        try {
            purge.clearHorizon().ifPresent(day -> LOG.infof("Retention is disabled: removed the retention horizon (%s) that an "
                    + "earlier run left; late events of any day are stored again", day));
            return true;
        } catch (SQLException | RuntimeException e) {
            LOG.warnf("Retention is disabled, but the retention horizon could not be removed yet (%s); trying again in %d s",
                    e.toString(), SCHEMA_WAIT_SECONDS);
            return false;
        }
    }

    /** True when runs are scheduled (retention is not 0). */
    public boolean scheduled() {
        return executor != null && !executor.isShutdown();
    }

    /** True while the runs find that recorder-service has not created the schema yet. */
    public boolean waitingForSchema() {
        return waitingForSchemaSince != null;
    }

    /** One run; its outcome, or null when it failed. */
    private PurgeReport.Outcome runOnce() {
        Span span = tracing ? tracer.spanBuilder(PURGE_SPAN).setNoParent().startSpan() : Span.getInvalid();
        try (Scope ignored = span.makeCurrent()) {
            PurgeReport report = purge.purge(clock.instant().truncatedTo(ChronoUnit.MILLIS), config.period(), config.dryRun());
            traced(span, report);
            schemaWait(report);
            return report.outcome();
        } catch (InterruptedException e) {
            span.setStatus(StatusCode.ERROR, "interrupted by shutdown");
            LOG.info("Retention purge interrupted by shutdown; the next start picks up where it stopped");
            Thread.currentThread().interrupt();
        } catch (Exception | Error e) {
            span.setStatus(StatusCode.ERROR, e.toString());
            // Logged here: what escapes a scheduled task is kept in its future, which nobody reads.
            LOG.errorf(e, "Retention purge failed; trying again in %s", DurationSyntax.format(config.interval()));
        } finally {
            span.end();
        }
        return null;
    }

    /** Logs the start and the end of a wait for the schema, and a warning once when it lasts. */
    private void schemaWait(PurgeReport report) {
        Instant now = clock.instant();
        if (report.outcome() != PurgeReport.Outcome.NO_SCHEMA) {
            if (waitingForSchemaSince != null) {
                LOG.infof("Retention: the schema is there after %d s of waiting", Duration.between(waitingForSchemaSince, now).toSeconds());
                waitingForSchemaSince = null;
                warnedAboutSchema = false;
            }
            return;
        }
        if (waitingForSchemaSince == null) {
            waitingForSchemaSince = now;
            LOG.infof("%s; checking again every %d s", report.summary(), SCHEMA_WAIT_SECONDS);
        } else if (!warnedAboutSchema && Duration.between(waitingForSchemaSince, now).compareTo(SCHEMA_WAIT_WARNING) > 0) {
            warnedAboutSchema = true;
            LOG.warnf("%s, after %d minutes of waiting: is recorder-service running against this database (AIBRIDGE_DB_URL)?",
                    report.summary(), Duration.between(waitingForSchemaSince, now).toMinutes());
        }
    }

    private static void traced(Span span, PurgeReport report) {
        if (!span.isRecording()) {
            return;
        }
        span.setAttribute(OUTCOME, report.outcome().name().toLowerCase(Locale.ROOT));
        span.setAttribute(DRY_RUN, report.dryRun());
        if (report.cutoff() != null) {
            span.setAttribute(CUTOFF, report.cutoff().toString());
        }
        span.setAttribute(ROWS, report.totalRows());
        span.setAttribute(PARTITIONS_DROPPED, (long) report.totalPartitionsDropped());
        span.setAttribute(SESSIONS_REMOVED, report.sessionsRemoved());
        span.setAttribute(SESSIONS_REFRESHED, report.sessionsRefreshed());
        span.setAttribute(PAUSED_SECONDS, report.pausedSeconds());
        if (report.outcome() == PurgeReport.Outcome.INCOMPLETE) {
            span.setStatus(StatusCode.ERROR, "left for the next run: " + String.join("; ", report.leftForNextRun()));
        }
    }
}
