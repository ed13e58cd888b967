package io.aibridge.proxy.bedrock;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The AWS credentials Bedrock requests are signed with, looked for in the reference product's
 * order: static keys from the configuration, then {@code AWS_ACCESS_KEY_ID}/{@code
 * AWS_SECRET_ACCESS_KEY}, then web identity (EKS IAM roles for service accounts), then the container
 * credentials endpoint (EKS Pod Identity, ECS). Shared config files, profiles and EC2 instance
 * metadata are not consulted. A source given by halves is refused rather than skipped, so a typo
 * stops the proxy at start-up instead of sending it down the chain to other credentials.
 *
 * <p>{@link #current()} runs on event loops and never blocks. Fetched credentials are fetched once
 * while the proxy starts, then refreshed on a daemon thread five minutes before they expire; a
 * failed refresh keeps the credentials in hand and is retried with backoff.
 */
public final class AwsCredentialsProvider implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AwsCredentialsProvider.class);

    /** How long before expiry fetched credentials are replaced: more than a request and its retries take. */
    static final Duration REFRESH_BEFORE_EXPIRY = Duration.ofMinutes(5);
    /** How often credentials without an expiration are fetched again. */
    static final Duration REFRESH_WITHOUT_EXPIRY = Duration.ofMinutes(15);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration LAST_RETRY = Duration.ofSeconds(60);
    static final String THREAD_NAME = "aibridge-aws-credentials";

    private static final String WHAT_TO_SET = "Bedrock requests are signed with AWS credentials, and none were found, so the"
            + " proxy will not start. Set one of: static keys in the Bedrock provider's configuration (access key and"
            + " secret key); AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys);"
            + " AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN (EKS IAM roles for service accounts); or"
            + " AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI (EKS Pod Identity, ECS)";

    private final String description;
    private final CredentialsSource source;
    private final Clock clock;
    private final Scheduler scheduler;
    private volatile AwsCredentials credentials;
    private volatile boolean closed;
    /** Refreshes failed in a row; touched only by the scheduler's single thread. */
    private int failures;

    /** Runs refreshes one at a time, after a delay; a seam so tests decide when "later" is. */
    interface Scheduler extends AutoCloseable {

        void schedule(Runnable task, Duration delay);

        /** Drops what is scheduled and stops any refresh in flight. */
        @Override
        void close();

        /** One daemon thread, so a refresh never keeps the JVM alive nor runs on an event loop. */
        static Scheduler daemonThread() {
            ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, THREAD_NAME);
                thread.setDaemon(true);
                return thread;
            });
            return new Scheduler() {
                @Override
                public void schedule(Runnable task, Duration delay) {
                    try {
                        executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException closing) {
                        // closed meanwhile: nothing more to refresh
                    }
                }

                @Override
                public void close() {
                    executor.shutdownNow();
                }
            };
        }
    }

    private AwsCredentialsProvider(String description, AwsCredentials fixed) {
        this.description = description;
        this.source = null;
        this.clock = Clock.systemUTC();
        this.scheduler = null;
        this.credentials = fixed;
    }

    /**
     * Fetches from {@code source} now, blocking for at most the fetch's timeout, and schedules the
     * refreshes on {@code scheduler}, which this provider then owns.
     *
     * @throws IllegalStateException when the first fetch fails: without credentials the proxy cannot start
     */
    AwsCredentialsProvider(CredentialsSource source, Clock clock, Scheduler scheduler) {
        this.description = source.describe();
        this.source = source;
        this.clock = clock;
        this.scheduler = scheduler;
        try {
            this.credentials = source.fetch();
        } catch (IOException | RuntimeException e) {
            scheduler.close();
            throw new IllegalStateException("Could not obtain AWS credentials from " + description + ": " + reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            scheduler.close();
            throw new IllegalStateException("Interrupted while obtaining AWS credentials from " + description, e);
        }
        scheduler.schedule(this::refresh, refreshDelay(credentials));
    }

    /**
     * Finds the credentials in the reference product's order; the first source that is set is the
     * one used, and fetched credentials are fetched before this returns.
     *
     * @param accessKey    the configured static access key id, or null
     * @param secretKey    the configured static secret key, or null
     * @param sessionToken the configured session token for static temporary keys, or null
     * @param environment  the process environment ({@code System.getenv()}; a map in tests)
     * @param http         the client for STS and the container credentials endpoint
     * @throws IllegalArgumentException when no source is set, or one is set only in part
     * @throws IllegalStateException    when credentials could not be fetched from the source that is set
     */
    public static AwsCredentialsProvider resolve(String accessKey, String secretKey, String sessionToken,
                                                 Map<String, String> environment, HttpClient http) {
        return resolve(accessKey, secretKey, sessionToken, environment, http, Clock.systemUTC(), Scheduler::daemonThread);
    }

    static AwsCredentialsProvider resolve(String accessKey, String secretKey, String sessionToken,
                                          Map<String, String> environment, HttpClient http,
                                          Clock clock, Supplier<Scheduler> schedulers) {
        String key = setting(accessKey);
        String secret = setting(secretKey);
        if (key != null || secret != null) {
            requireBoth(key, "the configured AWS access key", secret, "the configured AWS secret key");
            AwsCredentials keys = new AwsCredentials(key, secret, setting(sessionToken), null);
            return new AwsCredentialsProvider("static keys from the configuration (access key " + keys.maskedAccessKeyId() + ")", keys);
        }
        if (setting(sessionToken) != null) {
            throw new IllegalArgumentException("An AWS session token is configured without an access key and a secret key;"
                    + " configure all three, or none to take credentials from the environment");
        }

        String envKey = setting(environment.get("AWS_ACCESS_KEY_ID"));
        String envSecret = setting(environment.get("AWS_SECRET_ACCESS_KEY"));
        if (envKey != null || envSecret != null) {
            requireBoth(envKey, "AWS_ACCESS_KEY_ID", envSecret, "AWS_SECRET_ACCESS_KEY");
            AwsCredentials keys = new AwsCredentials(envKey, envSecret, environment.get("AWS_SESSION_TOKEN"), null);
            return new AwsCredentialsProvider("the environment: AWS_ACCESS_KEY_ID (" + keys.maskedAccessKeyId() + ")"
                    + (keys.sessionToken() != null ? " with AWS_SESSION_TOKEN" : ""), keys);
        }

        String tokenFile = setting(environment.get("AWS_WEB_IDENTITY_TOKEN_FILE"));
        String roleArn = setting(environment.get("AWS_ROLE_ARN"));
        if (tokenFile != null || roleArn != null) {
            requireBoth(tokenFile, "AWS_WEB_IDENTITY_TOKEN_FILE", roleArn, "AWS_ROLE_ARN");
            String region = setting(environment.get("AWS_REGION"));
            URI sts = WebIdentityCredentials.endpoint(setting(environment.get("AWS_ENDPOINT_URL_STS")),
                    region != null ? region : setting(environment.get("AWS_DEFAULT_REGION")));
            String sessionName = setting(environment.get("AWS_ROLE_SESSION_NAME"));
            return new AwsCredentialsProvider(new WebIdentityCredentials(requireHttp(http), sts, Path.of(tokenFile), roleArn,
                    sessionName != null ? sessionName : randomSessionName()), clock, schedulers.get());
        }

        // AWS's precedence: ECS sets the relative URI, and it wins when both are set
        String relativeUri = setting(environment.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
        String fullUri = setting(environment.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"));
        if (relativeUri != null || fullUri != null) {
            URI endpoint = relativeUri != null
                    ? URI.create(ContainerCredentials.ECS_ENDPOINT + (relativeUri.startsWith("/") ? "" : "/") + relativeUri)
                    : ContainerCredentials.checkedFullUri(fullUri);
            String authorizationFile = setting(environment.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
            return new AwsCredentialsProvider(new ContainerCredentials(requireHttp(http), endpoint,
                    authorizationFile != null ? Path.of(authorizationFile) : null,
                    setting(environment.get("AWS_CONTAINER_AUTHORIZATION_TOKEN"))), clock, schedulers.get());
        }

        throw new IllegalArgumentException(WHAT_TO_SET);
    }

    /**
     * The credentials to sign with now, without blocking: the last ones fetched, or null when
     * those have expired and no refresh has succeeded since (the caller should then fail the
     * request rather than send a signature AWS will refuse).
     */
    public AwsCredentials current() {
        AwsCredentials held = credentials;
        return held.expiresWithin(Duration.ZERO, clock.instant()) ? null : held;
    }

    /** Where the credentials come from, for a start-up log line; never a secret or a token. */
    public String describe() {
        return source == null ? description : description + ", refreshed " + REFRESH_BEFORE_EXPIRY.toMinutes() + " min before expiry";
    }

    /** Stops refreshing; {@link #current()} keeps answering with what it holds. */
    @Override
    public void close() {
        closed = true;
        if (scheduler != null) {
            scheduler.close();
        }
    }

    private void refresh() {
        if (closed) {
            return;
        }
        AwsCredentials fresh;
        try {
            fresh = source.fetch();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
            return;
        } catch (IOException | RuntimeException e) {
            failed(e);
            return;
        }
        credentials = fresh;
        if (failures > 0) {
            LOG.infof("Refreshed AWS credentials from %s after %d failed attempts; they expire at %s",
                    description, failures, fresh.expiration());
        } else {
            LOG.debugf("Refreshed AWS credentials from %s; they expire at %s", description, fresh.expiration());
        }
        failures = 0;
        scheduleIfOpen(refreshDelay(fresh));
    }

    private void failed(Exception e) {
        failures++;
        Duration retry = retryDelay(failures);
        Instant expiration = credentials.expiration();
        String held = expiration == null ? "keeping the current ones"
                : expiration.isAfter(clock.instant()) ? "keeping the current ones, valid until " + expiration
                : "the current ones expired at " + expiration + ", so Bedrock requests fail until a refresh succeeds";
        LOG.warnf("Could not refresh AWS credentials from %s (attempt %d): %s; %s; retrying in %d s",
                description, failures, reason(e), held, retry.toSeconds());
        scheduleIfOpen(retry);
    }

    private void scheduleIfOpen(Duration delay) {
        if (!closed) {
            scheduler.schedule(this::refresh, delay);
        }
    }

    /**
     * Five minutes before expiry; for credentials that live less than that, halfway to expiry (at
     * least a second), so short-lived ones are not fetched in a tight loop.
     */
    Duration refreshDelay(AwsCredentials fetched) {
        if (fetched.expiration() == null) {
            return REFRESH_WITHOUT_EXPIRY;
        }
        Duration untilExpiry = Duration.between(clock.instant(), fetched.expiration());
        Duration delay = untilExpiry.minus(REFRESH_BEFORE_EXPIRY);
        if (delay.compareTo(FIRST_RETRY) >= 0) {
            return delay;
        }
        Duration half = untilExpiry.dividedBy(2);
        return half.compareTo(FIRST_RETRY) >= 0 ? half : FIRST_RETRY;
    }

    /** 1 s, 2 s, 4 s … doubling up to 60 s. */
    static Duration retryDelay(int failures) {
        Duration delay = FIRST_RETRY.multipliedBy(1L << Math.min(failures - 1, 6));
        return delay.compareTo(LAST_RETRY) > 0 ? LAST_RETRY : delay;
    }

    private static void requireBoth(String first, String firstName, String second, String secondName) {
        if (first == null) {
            throw new IllegalArgumentException(secondName + " is set but " + firstName + " is not: set both, or neither");
        }
        if (second == null) {
            throw new IllegalArgumentException(firstName + " is set but " + secondName + " is not: set both, or neither");
        }
    }

    private static String reason(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private static HttpClient requireHttp(HttpClient http) {
        if (http == null) {
            throw new IllegalArgumentException("fetching AWS credentials needs an HttpClient");
        }
        return http;
    }

    private static String setting(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** {@code aibridge-} and 16 hex digits: within STS's 2 to 64 characters of {@code [\w+=,.@-]}. */
    private static String randomSessionName() {
        byte[] random = new byte[8];
        new SecureRandom().nextBytes(random);
        return "aibridge-" + HexFormat.of().formatHex(random);
    }
}
