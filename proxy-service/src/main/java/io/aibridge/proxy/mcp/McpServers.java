package io.aibridge.proxy.mcp;

import io.aibridge.proxy.tracing.InterceptionTracing;
import io.modelcontextprotocol.spec.McpSchema;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import org.jboss.logging.Logger;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The configured MCP servers and their tools (the reference's "server proxy manager").
 *
 * <p>Shared servers (no token, or the server's own token) are initialised at start, in parallel;
 * start waits for them at most {@code AIBRIDGE_MCP_INIT_TIMEOUT}. A server that fails is logged,
 * left out of the injected tools, and retried in the background with exponential backoff until
 * it answers: the proxy never fails to start because of an MCP server, and agents keep working
 * without its tools meanwhile.
 *
 * <p>Servers with per-user tokens get one session per (server, token), opened on the user's first
 * request that carries the token and kept while it is used (least recently used sessions are
 * closed beyond the limit). The token is only ever held in memory, keyed by its SHA-256.
 *
 * <p>The SDK blocks: every initialisation and call runs on the {@code aibridge-mcp} worker pool,
 * and results come back on the caller's event loop.
 */
@ApplicationScoped
public class McpServers {

    /** Request header carrying a user's own token for the server named after the prefix. */
    public static final String USER_TOKEN_HEADER_PREFIX = "X-AIBridge-MCP-Token-";
    private static final Logger LOG = Logger.getLogger(McpServers.class);

    /** Longest wait at shutdown for all MCP sessions together to be closed. */
    static final Duration STOP_DEADLINE = Duration.ofSeconds(3);
    private static final Pattern NAME = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
    private static final int MAX_NAME = 32;

    private final McpConfig config;
    private final Vertx vertx;
    private final Tracer tracer;
    private final List<Shared> shared = new ArrayList<>();
    private final List<Configured> perUser = new ArrayList<>();
    private final Map<String, UserSession> userSessions;
    private WorkerExecutor workers;
    private volatile boolean stopped;
    private long sweeper = -1;

    /** A server as configured, with its compiled filter. */
    private record Configured(McpConfig.Server server, ToolFilter filter) {
    }

    /** A shared server's current session, replaced by a fresh one on every retry. */
    private final class Shared {
        final Configured configured;
        volatile McpServerConnection connection;
        volatile boolean ready;
        int failures;

        Shared(Configured configured) {
            this.configured = configured;
        }
    }

    /** One user's session with one server; the fields after {@code opening} are guarded by the map's lock. */
    private static final class UserSession {
        Future<McpServerConnection> opening;
        McpServerConnection connection;
        long lastUsedNanos = System.nanoTime();
        long failedAtNanos = -1;
        /** Requests holding the session: waiting for it to open, or running a loop that may call its tools. */
        int users;
        /** Out of the map (least recently used, idle, failed or the proxy stopping): closed once open and unheld. */
        boolean retired;
    }

    public McpServers(McpConfig config, Vertx vertx, InterceptionTracing tracing) {
        this.config = config;
        this.vertx = vertx;
        this.tracer = tracing.tracer();
        this.userSessions = new LinkedHashMap<>(16, 0.75f, true);
        Set<String> names = new HashSet<>();
        for (McpConfig.Server server : config.servers()) {
            Configured c = new Configured(server, validate(server, names));
            if (server.userToken()) {
                perUser.add(c);
            }
            if (!server.userToken() || server.token().filter(t -> !t.isBlank()).isPresent()) {
                shared.add(new Shared(c));
            }
        }
    }

    /** Checks one server's settings; the message names the variable to fix. */
    static ToolFilter validate(McpConfig.Server server, Set<String> names) {
        String name = server.name();
        String where = "MCP server \"" + name + "\"";
        if (name == null || !NAME.matcher(name).matches() || name.length() > MAX_NAME) {
            throw new IllegalStateException("MCP server name \"" + name + "\" is invalid: it becomes part of every tool name "
                    + "(bmcp_<server>_<tool>, at most 64 characters), so use lower-case letters and digits with single hyphens "
                    + "between them, at most " + MAX_NAME + " characters (AIBRIDGE_MCP_SERVER_<N>_NAME)");
        }
        if (!names.add(name)) {
            throw new IllegalStateException("MCP server name \"" + name + "\" is configured twice; names must be unique");
        }
        try {
            URI uri = URI.create(server.url());
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an absolute http(s) URL");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + ": URL \"" + McpServerUrl.display(server.url()) + "\" is not an absolute http(s) URL "
                    + "(AIBRIDGE_MCP_SERVER_<N>_URL, the Streamable HTTP endpoint such as https://mcp.example.com/mcp)");
        }
        return new ToolFilter(pattern(where, "ALLOW", server.allow().orElse(null)), pattern(where, "DENY", server.deny().orElse(null)));
    }

    private static Pattern pattern(String where, String key, String regex) {
        if (regex == null || regex.isEmpty()) {
            return null;
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalStateException(where + ": AIBRIDGE_MCP_SERVER_<N>_" + key + " is not a valid regular expression: "
                    + e.getDescription() + " in " + regex);
        }
    }

    /** True when at least one server is configured (otherwise the feature is off). */
    public boolean configured() {
        return !shared.isEmpty() || !perUser.isEmpty();
    }

    void start(@Observes StartupEvent event) {
        if (!configured()) {
            return;
        }
        Duration timeout = config.initTimeout();
        workers = vertx.createSharedWorkerExecutor("aibridge-mcp", config.maxConcurrentCalls(),
                config.callTimeout().plus(timeout).toMillis() + 30_000, TimeUnit.MILLISECONDS);
        sweeper = vertx.setPeriodic(60_000, id -> sweepIdleSessions());
        if (shared.isEmpty()) {
            return;
        }
        Span span = tracer.spanBuilder(McpSpans.MANAGER_INIT).startSpan();
        Context parent = Context.current().with(span);
        List<Future<Boolean>> attempts = new ArrayList<>();
        for (Shared s : shared) {
            attempts.add(initialise(s, parent));
        }
        // agents should find the tools from the first request on; a slow server is waited for at most the init timeout
        try {
            Future.join(attempts).toCompletionStage().toCompletableFuture().get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warnf("MCP servers still initialising after %d s; starting without their tools for now", timeout.toSeconds());
        } finally {
            long ready = shared.stream().filter(s -> s.ready).count();
            span.setAttribute(McpSpans.TOOL_COUNT, (long) shared.stream().filter(s -> s.ready)
                    .mapToInt(s -> s.connection.tools().size()).sum());
            span.end();
            LOG.infof("MCP tool injection: %d of %d shared servers ready, %d per-user servers", ready, shared.size(), perUser.size());
        }
    }

    /** One attempt to initialise a shared server; on failure, schedules the next. Completes with success. */
    private Future<Boolean> initialise(Shared s, Context parent) {
        McpConfig.Server server = s.configured.server();
        McpServerConnection connection = new McpServerConnection(server, s.configured.filter(), server.token().filter(t -> !t.isBlank()).orElse(null),
                config.initTimeout(), config.callTimeout(), tracer);
        return workers.executeBlocking(() -> connection.initialize(parent), false)
                .map(tools -> {
                    s.connection = connection;
                    s.ready = true;
                    s.failures = 0;
                    LOG.infof("MCP server %s (%s): %d tools injected %s", server.name(), McpServerUrl.display(server.url()), tools.size(),
                            tools.stream().map(InjectedTool::name).toList());
                    return true;
                })
                .otherwise(error -> {
                    // on an event loop here: closing can wait for the server (a DELETE), so a worker does it
                    closeLater(List.of(connection));
                    s.failures++;
                    long delay = Math.min(config.retry().maxDelay().toMillis(),
                            config.retry().initialDelay().toMillis() << Math.min(20, s.failures - 1));
                    LOG.warnf("MCP server %s (%s) could not be initialised: %s; its tools are left out, retrying in %d ms",
                            server.name(), McpServerUrl.display(server.url()),
                            McpServerUrl.scrub(McpServerConnection.describe(error), server.url()), delay);
                    if (!stopped) {
                        vertx.setTimer(Math.max(1, delay), id -> {
                            if (!stopped) {
                                initialise(s, Context.root());
                            }
                        });
                    }
                    return false;
                });
    }

    /**
     * The tools for a request: the ready shared servers', plus the per-user servers' for which the
     * request carries a token (their sessions may have to be opened first). Never fails: a server
     * that cannot be used is left out. Completes on the calling request's context.
     */
    public Future<ToolSet> tools(MultiMap requestHeaders) {
        List<ToolSet.Entry> entries = new ArrayList<>();
        for (Shared s : shared) {
            if (s.ready) {
                McpServerConnection c = s.connection;
                for (InjectedTool tool : c.tools()) {
                    entries.add(new ToolSet.Entry(tool, c));
                }
            }
        }
        List<UserSession> held = new ArrayList<>();
        for (Configured c : perUser) {
            String token = requestHeaders.get(USER_TOKEN_HEADER_PREFIX + c.server().name());
            if (token != null && !token.isBlank()) {
                // the user's own session replaces the shared fallback session for this server
                entries.removeIf(e -> e.tool().server().equals(c.server().name()));
                held.add(userSession(c, token.trim()));
            }
        }
        if (held.isEmpty()) {
            return Future.succeededFuture(entries.isEmpty() ? ToolSet.EMPTY : new ToolSet(entries));
        }
        // a session being opened completes on the event loop of the request that opened it; this request's
        // loop (its timers, upstream calls and plain fields) must run on its own, so the answer hops back to it
        io.vertx.core.Context caller = vertx.getOrCreateContext();
        Promise<ToolSet> answer = Promise.promise();
        Runnable reply = () -> {
            if (answer.future().isComplete()) {
                return;
            }
            List<UserSession> used = new ArrayList<>();
            for (UserSession session : held) {
                Future<McpServerConnection> f = session.opening;
                if (f.succeeded() && f.result() != null) {
                    used.add(session);
                    for (InjectedTool tool : f.result().tools()) {
                        entries.add(new ToolSet.Entry(tool, f.result()));
                    }
                } else {
                    release(session);
                }
            }
            answer.complete(new ToolSet(entries, used.isEmpty() ? null : () -> used.forEach(this::release)));
        };
        // the request waits for sessions being opened at most the init timeout (they may wait for a worker
        // first); one not open by then is left out of this request, and used by later ones once it is
        long deadline = vertx.setTimer(Math.max(1, config.initTimeout().toMillis()), id -> reply.run());
        Future.join(held.stream().map(session -> session.opening).toList()).onComplete(ar -> caller.runOnContext(v -> {
            vertx.cancelTimer(deadline);
            reply.run();
        }));
        return answer.future();
    }

    /** The user's session with the server, opened if needed, held for the request until {@link #release}. */
    private UserSession userSession(Configured c, String token) {
        String key = c.server().name() + ':' + sha256(token);
        UserSession session;
        List<McpServerConnection> evicted = new ArrayList<>();
        synchronized (userSessions) {
            session = userSessions.get(key);
            long now = System.nanoTime();
            if (session != null && session.failedAtNanos >= 0
                    && now - session.failedAtNanos >= config.userSessions().retryAfter().toNanos()) {
                userSessions.remove(key);
                session.retired = true;
                session = null;
            }
            if (session == null) {
                session = new UserSession();
                UserSession created = session;
                McpServerConnection connection = new McpServerConnection(c.server(), c.filter(), token, config.initTimeout(),
                        config.callTimeout(), tracer);
                Span span = tracer.spanBuilder(McpSpans.MANAGER_INIT).startSpan();
                Context parent = Context.current().with(span);
                created.opening = workers.executeBlocking(() -> {
                    try (Scope ignored = span.makeCurrent()) {
                        connection.initialize(parent);
                    } catch (RuntimeException e) {
                        connection.close(); // on a worker: a close waits for the server
                        throw e;
                    } finally {
                        span.end();
                    }
                    synchronized (userSessions) {
                        if (!stopped && !(created.retired && created.users == 0)) {
                            created.connection = connection;
                            return connection;
                        }
                    }
                    // evicted while it was being opened, with no request waiting for it any more, or the proxy stopped
                    connection.close();
                    return null;
                }, false).recover(error -> {
                    synchronized (userSessions) {
                        created.failedAtNanos = System.nanoTime();
                    }
                    LOG.warnf("MCP server %s: a user's session could not be initialised: %s; that user's requests go without its tools for %d s",
                            c.server().name(), McpServerConnection.describe(error), config.userSessions().retryAfter().toSeconds());
                    return Future.succeededFuture(null);
                });
                userSessions.put(key, created);
                while (userSessions.size() > config.userSessions().maxSessions()) {
                    Iterator<UserSession> oldest = userSessions.values().iterator();
                    UserSession gone = oldest.next();
                    oldest.remove();
                    retire(gone, evicted);
                }
            }
            session.users++;
            session.lastUsedNanos = now;
        }
        closeLater(evicted);
        return session;
    }

    /** A request is done with the session (its interception ended, or it went on without the session's tools). */
    private void release(UserSession session) {
        List<McpServerConnection> closing = new ArrayList<>(1);
        synchronized (userSessions) {
            session.users--;
            session.lastUsedNanos = System.nanoTime();
            if (session.retired) {
                retire(session, closing);
            }
        }
        closeLater(closing);
    }

    /**
     * Takes the session out of use (it is no longer in the map); its connection is closed once it is open and no
     * request holds it any more: a running loop may still call its tools. The caller holds the lock.
     */
    private static void retire(UserSession session, List<McpServerConnection> closing) {
        session.retired = true;
        if (session.users == 0 && session.connection != null) {
            closing.add(session.connection);
            session.connection = null;
        }
    }

    void sweepIdleSessions() {
        long idle = config.userSessions().idleTimeout().toNanos();
        long now = System.nanoTime();
        List<McpServerConnection> closing = new ArrayList<>();
        synchronized (userSessions) {
            userSessions.values().removeIf(s -> {
                boolean expired = s.opening.isComplete() && s.users == 0 && now - s.lastUsedNanos > idle;
                if (expired) {
                    retire(s, closing);
                }
                return expired;
            });
        }
        closeLater(closing);
    }

    /** Closes on the worker pool: a close waits for the server (up to {@link McpServerConnection#CLOSE_TIMEOUT}). */
    private void closeLater(List<McpServerConnection> connections) {
        if (!connections.isEmpty() && workers != null && !stopped) {
            workers.executeBlocking(() -> {
                connections.forEach(McpServerConnection::close);
                return null;
            }, false);
        }
    }

    /**
     * Runs {@code tools/call} with the tool's original name on the worker pool (span
     * {@code Intercept.ProcessRequest.ToolCall}). Never fails: errors become the outcome.
     *
     * @param inputJson the arguments as the model wrote them, for the span
     */
    public Future<ToolCallOutcome> call(ToolSet.Entry entry, Map<String, Object> arguments, String inputJson, Context parent,
                                        io.opentelemetry.api.common.Attributes interceptionAttributes) {
        InjectedTool tool = entry.tool();
        Span span = tracer.spanBuilder(McpSpans.TOOL_CALL).setParent(parent)
                .setAttribute(McpSpans.TOOL_NAME, tool.name())
                .setAttribute(McpSpans.SERVER_NAME, tool.server())
                .setAttribute(McpSpans.SERVER_URL, tool.serverUrl())
                .setAttribute(McpSpans.INPUT, McpSpans.truncate(inputJson))
                .startSpan();
        span.setAllAttributes(interceptionAttributes);
        long start = System.nanoTime();
        return workers.executeBlocking(() -> {
            try (Scope ignored = span.makeCurrent()) {
                McpSchema.CallToolResult result = entry.connection().call(tool.name(), arguments);
                return new ToolCallOutcome(result, null);
            }
        }, false).otherwise(error -> {
            McpSpans.fail(span, error);
            return ToolCallOutcome.failed(McpServerConnection.describe(error));
        }).onComplete(ar -> {
            span.end();
            ToolCallOutcome outcome = ar.result();
            // results are not logged: they can be large or sensitive
            LOG.debugf("injected tool %s on %s ran in %d ms%s", tool.name(), tool.server(), (System.nanoTime() - start) / 1_000_000,
                    outcome.failed() ? ": " + outcome.error() : "");
        });
    }

    /**
     * Closes every session, shared and per user, all at once within {@link #STOP_DEADLINE} in total
     * (one by one, up to {@code AIBRIDGE_MCP_USER_SESSIONS_MAX} unreachable servers could each take
     * the whole {@link McpServerConnection#CLOSE_TIMEOUT}). Runs after the other shutdown observers,
     * the event pipeline's drain first ({@link io.aibridge.proxy.events.KafkaEventPublisher}): a slow
     * MCP server must not cost recorded events. A session not closed by the deadline is left to the
     * server to expire.
     */
    void stop(@Observes @Priority(Interceptor.Priority.APPLICATION + 1000) ShutdownEvent event) {
        stopped = true;
        if (sweeper >= 0) {
            vertx.cancelTimer(sweeper);
        }
        List<McpServerConnection> closing = new ArrayList<>();
        for (Shared s : shared) {
            if (s.connection != null) {
                closing.add(s.connection);
            }
        }
        synchronized (userSessions) {
            // at shutdown even sessions still held are closed; those still opening close themselves once open
            userSessions.values().forEach(s -> {
                s.retired = true;
                if (s.connection != null) {
                    closing.add(s.connection);
                    s.connection = null;
                }
            });
            userSessions.clear();
        }
        closeAll(closing, STOP_DEADLINE);
        if (workers != null) {
            workers.close();
        }
    }

    /** Closes the sessions in parallel; returns once all are closed or {@code deadline} has passed. */
    static void closeAll(List<McpServerConnection> connections, Duration deadline) {
        if (connections.isEmpty()) {
            return;
        }
        try {
            Mono.when(connections.stream().map(c -> c.closeAsync().subscribeOn(Schedulers.boundedElastic())).toList())
                    .timeout(deadline).block();
        } catch (RuntimeException e) {
            LOG.infof("MCP: not every one of %d sessions was closed within %d ms at shutdown; the servers expire the rest",
                    connections.size(), deadline.toMillis());
        }
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
