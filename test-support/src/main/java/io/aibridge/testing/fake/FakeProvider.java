package io.aibridge.testing.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake OpenAI and Anthropic provider: a real HTTP server that answers from the {@link Fixture}
 * files, blocking and streaming, so tests, benchmarks and the local demo never need a provider key.
 *
 * <p>Routes (the same port serves both providers, as their paths do not clash):
 * {@code POST /v1/messages}, {@code POST /v1/messages/count_tokens} (Anthropic),
 * {@code POST /v1/chat/completions}, {@code POST /v1/responses}, {@code GET /v1/responses/{id}} (OpenAI),
 * {@code GET /v1/models} and {@code GET /v1/models/{id}} (Anthropic's shape when the request has an
 * {@code anthropic-version} header, OpenAI's otherwise), and AWS Bedrock Runtime for Anthropic models,
 * {@code POST /model/{modelId}/invoke} and {@code POST /model/{modelId}/invoke-with-response-stream}
 * (SigV4-signed with {@link #BEDROCK_ACCESS_KEY}; see {@link FakeBedrock}).
 *
 * <p>Scenario: header {@value #SCENARIO_HEADER}, else a {@code [scenario:<name>]} marker in the last
 * message of the request, else {@code text}. Every request is recorded ({@link #requests()}).
 */
public final class FakeProvider implements AutoCloseable {

    /** Selects the scenario. */
    public static final String SCENARIO_HEADER = "X-Fake-Scenario";
    /** Overrides {@link Options#timeToFirstByte()} for one request, in milliseconds. */
    public static final String TTFB_HEADER = "X-Fake-Ttfb-Ms";
    /** Overrides {@link Options#chunkDelay()} for one request, in milliseconds. */
    public static final String CHUNK_DELAY_HEADER = "X-Fake-Chunk-Delay-Ms";
    /** Writes the stream in slices of this many bytes, splitting frames and UTF-8 characters. */
    public static final String SPLIT_BYTES_HEADER = "X-Fake-Split-Bytes";
    /**
     * {@code <key>,<n>,<status>[,<retry-after-ms>]}: the first {@code n} requests carrying this
     * header with this key fail with {@code status} (an error body in the API's shape, and
     * {@code retry-after-ms} when given), or, with the status {@code close}, have their connection
     * closed without an answer; later ones are answered as usual. For retry tests.
     */
    public static final String FLAKY_HEADER = "X-Fake-Flaky";
    /**
     * On a Bedrock stream: the n-th event-stream message (from 0) goes out with a wrong message
     * checksum, as a corrupted transfer would have it; for tests of a client's decoding failure.
     */
    public static final String CORRUPT_MESSAGE_HEADER = "X-Fake-Corrupt-Message";
    /**
     * {@code <key>=<status>[:<retry-after-seconds>]}, several joined by {@code ;}: a request whose
     * provider key ({@code x-api-key}, or {@code Authorization: Bearer}) is listed is answered with
     * that status (429, 401 or 403, an error body in the API's shape, {@code Retry-After} when
     * given) on every route but Bedrock's, as a provider answers a rate-limited, revoked or
     * forbidden key; for tests of key failover.
     */
    public static final String REFUSED_KEYS_HEADER = "X-Fake-Refused-Keys";
    /**
     * The error answers of {@link #FLAKY_HEADER} and {@link #REFUSED_KEYS_HEADER} get a body of this
     * many bytes (the error JSON, then spaces), chunked without a {@code Content-Length}, written as
     * the reader takes it; {@link #errorBodyBytesSent()} counts what went out. For tests of how much
     * of a dropped answer a client reads.
     */
    public static final String ERROR_BODY_BYTES_HEADER = "X-Fake-Error-Body-Bytes";
    /**
     * A blocking answer that is not an error is followed by this many spaces: the same JSON, as large
     * as a test needs (for tests of where a large answer is read).
     */
    public static final String PAD_BYTES_HEADER = "X-Fake-Pad-Bytes";
    /**
     * {@code <n>:<text>}: in a streamed answer, the first occurrence of {@code text} is written
     * {@code n} times in its place, e.g. {@code 2000000:hello} makes the frame that carries it (a tool
     * call's arguments) 10 million characters longer. For tests of how much of a stream a reader holds.
     */
    public static final String STRETCH_HEADER = "X-Fake-Stretch";
    /**
     * {@code <n>:<index>}: in a streamed Anthropic answer, the content block at {@code index} (its
     * start, deltas and stop) is sent {@code n} times, the copies and the later blocks numbered on
     * ({@link SseFrames#repeatBlock}), e.g. {@code 50000:0} makes a stream of fifty thousand small
     * blocks before the scenario's others. For tests of what a reader holds per block.
     */
    public static final String REPEAT_BLOCK_HEADER = "X-Fake-Repeat-Block";
    public static final String DEFAULT_SCENARIO = "text";
    /** The only AWS access key id the fake's Bedrock accepts; any session token is accepted with it. */
    public static final String BEDROCK_ACCESS_KEY = "AKIDFAKEBEDROCK0001";
    /** The secret access key that goes with {@link #BEDROCK_ACCESS_KEY}. */
    public static final String BEDROCK_SECRET_KEY = "fakeBedrockSecretKey000000000000000000/0";

    private static final Pattern MARKER = Pattern.compile("\\[scenario:([A-Za-z0-9_-]+)]");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param host          interface to bind
     * @param port          0 for a random free port
     * @param timeToFirstByte delay before the status line is sent
     * @param chunkDelay    delay between two SSE frames (or slices)
     * @param maxRecorded   how many requests {@link #requests()} keeps (the oldest are dropped)
     */
    public record Options(String host, int port, Duration timeToFirstByte, Duration chunkDelay, int maxRecorded) {

        public static Options defaults() {
            return new Options("127.0.0.1", 0, Duration.ZERO, Duration.ZERO, 10_000);
        }

        public Options port(int port) {
            return new Options(host, port, timeToFirstByte, chunkDelay, maxRecorded);
        }

        public Options host(String host) {
            return new Options(host, port, timeToFirstByte, chunkDelay, maxRecorded);
        }

        public Options timeToFirstByte(Duration ttfb) {
            return new Options(host, port, ttfb, chunkDelay, maxRecorded);
        }

        public Options chunkDelay(Duration delay) {
            return new Options(host, port, timeToFirstByte, delay, maxRecorded);
        }

        public Options maxRecorded(int max) {
            return new Options(host, port, timeToFirstByte, chunkDelay, max);
        }
    }

    private final Options options;
    private final Vertx vertx;
    private final HttpServer server;
    private final Deque<RecordedRequest> recorded = new ArrayDeque<>();
    private final Map<String, Fixture> fixtures = new ConcurrentHashMap<>();
    /** Failures served so far per {@link #FLAKY_HEADER} key. */
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> flaky = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong errorBodyBytesSent = new java.util.concurrent.atomic.AtomicLong();
    private final FakeBedrock bedrock = new FakeBedrock(this, new SigV4Check(Map.of(BEDROCK_ACCESS_KEY, BEDROCK_SECRET_KEY)));
    /** The answers under way, until they end or their connection closes. */
    private final Map<HttpServerResponse, Answer> answering = new ConcurrentHashMap<>();
    private final List<ClosedEarly> closedEarly = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * An answer whose connection (or HTTP/2 stream) the client, e.g. the proxy cancelling its
     * upstream call, closed before the fake had ended it; a close of the fake's own (a
     * {@code break} scenario, {@link #FLAKY_HEADER}'s {@code close}) is not one.
     *
     * @param request       the request as received
     * @param scenario      its scenario, or null when it closed before one was chosen (or on a route without scenarios)
     * @param headWritten   the status line had gone out
     * @param piecesWritten the frames (or {@link #SPLIT_BYTES_HEADER} slices, or Bedrock messages) written before the close
     * @param piecesTotal   the frames the answer had in all; 0 when no stream had started
     * @param closedAtNanos {@link System#nanoTime()} when the fake saw the close
     */
    public record ClosedEarly(RecordedRequest request, String scenario, boolean headWritten, int piecesWritten, int piecesTotal,
                              long closedAtNanos) {
    }

    /** What the fake knows of an answer under way. */
    private static final class Answer {
        final RecordedRequest request;
        volatile String scenario;
        volatile int piecesWritten;
        volatile int piecesTotal;
        volatile boolean closedByFake;

        Answer(RecordedRequest request) {
            this.request = request;
        }
    }

    private FakeProvider(Options options, Vertx vertx, HttpServer server) {
        this.options = options;
        this.vertx = vertx;
        this.server = server;
    }

    /** Starts on a random port with no delays. */
    public static FakeProvider start() {
        return start(Options.defaults());
    }

    public static FakeProvider start(Options options) {
        Vertx vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port()));
        FakeProvider fake = new FakeProvider(options, vertx, server);
        server.requestHandler(fake::handle);
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("fake provider could not listen on " + options.host() + ":" + options.port(), e);
        }
        return fake;
    }

    public int port() {
        return server.actualPort();
    }

    /** {@code http://127.0.0.1:<port>}; OpenAI's base URL is this plus {@code /v1/}, Anthropic's this plus {@code /}. */
    public String baseUrl() {
        String host = "0.0.0.0".equals(options.host()) ? "127.0.0.1" : options.host();
        return "http://" + host + ":" + port();
    }

    /** The value for {@code AIBRIDGE_OPENAI_BASE_URL}. */
    public String openAiBaseUrl() {
        return baseUrl() + "/v1/";
    }

    /** The value for {@code AIBRIDGE_ANTHROPIC_BASE_URL}. */
    public String anthropicBaseUrl() {
        return baseUrl() + "/";
    }

    /** The Bedrock Runtime endpoint (the proxy appends {@code /model/{modelId}/invoke...}): the same as {@link #baseUrl()}. */
    public String bedrockBaseUrl() {
        return baseUrl();
    }

    /** Every request received so far (at most {@link Options#maxRecorded()}), oldest first. */
    public List<RecordedRequest> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    /** The requests received for a path, oldest first. */
    public List<RecordedRequest> requests(String path) {
        return requests().stream().filter(r -> r.path().equals(path)).toList();
    }

    public void clear() {
        synchronized (recorded) {
            recorded.clear();
        }
        errorBodyBytesSent.set(0);
        closedEarly.clear();
    }

    /**
     * The answers whose connection the other side closed before the fake had ended them, since the
     * last {@link #clear()}, oldest first: for tests that the proxy cancels its upstream call.
     */
    public List<ClosedEarly> closedEarly() {
        return List.copyOf(closedEarly);
    }

    /** Bytes of {@link #ERROR_BODY_BYTES_HEADER} bodies handed to the network since the last {@link #clear()}. */
    public long errorBodyBytesSent() {
        return errorBodyBytesSent.get();
    }

    /** An error answer, padded to {@link #ERROR_BODY_BYTES_HEADER} bytes when the request asks for it. */
    private void errorAnswer(HttpServerRequest request, int status, String body) {
        String size = request.getHeader(ERROR_BODY_BYTES_HEADER);
        if (size == null) {
            json(request.response(), status, body);
            return;
        }
        HttpServerResponse response = request.response();
        response.setStatusCode(status).putHeader("Content-Type", "application/json").setChunked(true);
        writePadded(response, Buffer.buffer(body), Long.parseLong(size.trim()));
    }

    /** Writes {@code first}, then spaces up to {@code total} bytes, 16 KiB at a time while the reader keeps up. */
    private void writePadded(HttpServerResponse response, Buffer first, long total) {
        Buffer spaces = Buffer.buffer(" ".repeat(16 * 1024));
        long[] left = {total};
        Runnable[] pump = new Runnable[1];
        pump[0] = () -> {
            while (left[0] > 0 && !response.closed() && !response.writeQueueFull()) {
                Buffer next = left[0] == total ? first
                        : left[0] >= spaces.length() ? spaces : spaces.slice(0, (int) left[0]);
                left[0] -= next.length();
                errorBodyBytesSent.addAndGet(next.length());
                response.write(next);
            }
            if (response.closed()) {
                return;
            }
            if (left[0] <= 0) {
                response.end();
            } else {
                response.drainHandler(v -> pump[0].run());
            }
        };
        pump[0].run();
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the fake provider", e);
        }
    }

    // ------------------------------------------------------------------------------------------

    private void handle(HttpServerRequest request) {
        request.body().onSuccess(body -> {
            watch(request, record(request, body));
            try {
                route(request, body);
            } catch (RuntimeException e) {
                error(request.response(), 500, "{\"error\":{\"message\":\"fake provider failed: "
                        + jsonEscape(String.valueOf(e.getMessage())) + "\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
            }
        });
    }

    /** Notes a close of the answer's connection before its end ({@link #closedEarly()}). */
    private void watch(HttpServerRequest request, RecordedRequest recordedRequest) {
        HttpServerResponse response = request.response();
        Answer answer = new Answer(recordedRequest);
        answering.put(response, answer);
        response.endHandler(v -> answering.remove(response));
        response.closeHandler(v -> {
            answering.remove(response);
            if (!response.ended() && !answer.closedByFake) {
                closedEarly.add(new ClosedEarly(answer.request, answer.scenario, response.headWritten(), answer.piecesWritten,
                        answer.piecesTotal, System.nanoTime()));
            }
        });
    }

    /** Closes the request's connection on purpose: not a {@link ClosedEarly} close. */
    void closeConnection(HttpServerRequest request) {
        Answer answer = answering.get(request.response());
        if (answer != null) {
            answer.closedByFake = true;
        }
        request.connection().close();
    }

    private RecordedRequest record(HttpServerRequest request, Buffer body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        request.headers().forEach(h -> headers.computeIfAbsent(h.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.getValue()));
        RecordedRequest r = new RecordedRequest(request.method().name(), request.path(), request.query(), headers, body.getBytes());
        synchronized (recorded) {
            recorded.addLast(r);
            while (recorded.size() > options.maxRecorded()) {
                recorded.removeFirst();
            }
        }
        return r;
    }

    private void route(HttpServerRequest request, Buffer body) {
        String path = request.path();
        String method = request.method().name();
        boolean anthropicClient = request.getHeader("anthropic-version") != null;
        if (path.startsWith(FakeBedrock.PATH_PREFIX)) {
            bedrock.handle(request, body);
        } else if (refusedKey(request, anthropicClient || path.startsWith("/v1/messages"))) {
            return;
        } else if (method.equals("POST") && path.equals("/v1/messages")) {
            answer(request, Api.ANTHROPIC_MESSAGES, body);
        } else if (method.equals("POST") && path.equals("/v1/chat/completions")) {
            answer(request, Api.OPENAI_CHAT, body);
        } else if (method.equals("POST") && path.equals("/v1/responses")) {
            answer(request, Api.OPENAI_RESPONSES, body);
        } else if (method.equals("POST") && path.equals("/v1/messages/count_tokens")) {
            // roughly four characters per token, as a stand-in for the real tokenizer
            json(request.response(), 200, "{\"input_tokens\":" + Math.max(1, body.length() / 4) + "}");
        } else if (method.equals("GET") && path.startsWith("/v1/responses/")) {
            String id = path.substring("/v1/responses/".length());
            String text = fixture(Api.OPENAI_RESPONSES, DEFAULT_SCENARIO).response()
                    .replace("resp_68a1f0c2b9d48190a3e5c7f1d2b4a6c8", jsonEscape(id));
            json(request.response(), 200, text);
        } else if (method.equals("GET") && path.equals("/v1/models")) {
            json(request.response(), 200, anthropicClient ? Models.anthropicList() : Models.openAiList());
        } else if (method.equals("GET") && path.startsWith("/v1/models/")) {
            String id = path.substring("/v1/models/".length());
            String model = anthropicClient ? Models.anthropicModel(id) : Models.openAiModel(id);
            if (model == null) {
                notFound(request, anthropicClient, "model '" + id + "' not found");
            } else {
                json(request.response(), 200, model);
            }
        } else {
            notFound(request, anthropicClient || path.startsWith("/v1/messages"), "no route for " + method + " " + path);
        }
    }

    private void answer(HttpServerRequest request, Api api, Buffer body) {
        JsonNode json;
        try {
            json = JSON.readTree(body.getBytes());
        } catch (IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            badRequest(request, api, "request body is not a JSON object");
            return;
        }
        if (failsFlakily(request, api)) {
            return;
        }
        String scenario = scenario(request, api, json);
        Fixture selected;
        try {
            selected = scripted(api, json, fixture(api, scenario));
        } catch (IllegalArgumentException e) {
            badRequest(request, api, "the fake provider has no scenario '" + scenario + "' for " + api.folder());
            return;
        }
        Fixture fixture = selected;
        chosen(request, fixture.scenario());
        if (fixture.hangs()) {
            return; // never answer: for timeout tests
        }
        String model = json.path("model").isTextual() ? json.get("model").asText() : null;
        boolean stream = json.path("stream").asBoolean(false);
        long ttfb = ttfb(request);
        long chunkDelay = chunkDelay(request);
        HttpServerResponse response = request.response();
        fixture.headers().forEach(response::putHeader);
        response.putHeader("request-id", "req_fake_" + Long.toHexString(System.nanoTime()));
        if (fixture.isError() || !stream || fixture.stream() == null) {
            String text = padded(request, fixture, echoModel(fixture.response(), fixture.model(), model));
            later(ttfb, () -> {
                if (fixture.breaks()) {
                    breakBlocking(request, fixture.status(stream), text);
                } else {
                    json(response, fixture.status(stream), text);
                }
            });
            return;
        }
        boolean includeUsage = json.path("stream_options").path("include_usage").asBoolean(false);
        later(ttfb, () -> {
            // The head goes out at the time to first byte, as a provider's does, before the frames are
            // built: a stream of tens of thousands of repeated blocks (X-Fake-Repeat-Block) takes a
            // while to build on a busy machine, and the proxy must not take that for a silent provider.
            response.setStatusCode(200).setChunked(true)
                    .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                    .putHeader("Cache-Control", "no-cache")
                    .writeHead();
            List<Buffer> frames = new ArrayList<>();
            for (String frame : repeated(request, SseFrames.split(stretched(request, echoModel(fixture.stream(), fixture.model(), model))))) {
                if (api == Api.OPENAI_CHAT && !includeUsage) {
                    frame = SseFrames.withoutUsage(frame);
                    if (frame == null) {
                        continue;
                    }
                }
                frames.add(Buffer.buffer(frame));
            }
            writePieces(request, slices(frames, request), 0, chunkDelay, fixture.breaks());
        });
    }

    /** The scenario chosen for a request (for {@link #closedEarly()}). */
    void chosen(HttpServerRequest request, String scenario) {
        Answer answer = answering.get(request.response());
        if (answer != null) {
            answer.scenario = scenario;
        }
    }

    void writePieces(HttpServerRequest request, List<Buffer> pieces, int from, long delay, boolean breaks) {
        HttpServerResponse response = request.response();
        Answer answer = answering.get(response);
        if (answer != null) {
            answer.piecesTotal = pieces.size();
        }
        int i = from;
        while (i < pieces.size()) {
            if (response.closed()) {
                return;
            }
            io.vertx.core.Future<Void> written = response.write(pieces.get(i++));
            if (answer != null) {
                answer.piecesWritten = i;
            }
            if (i == pieces.size() && breaks) {
                // no terminating chunk: the client sees the stream cut off after the bytes it got
                written.onComplete(ar -> closeConnection(request));
                return;
            }
            if (delay > 0 && i < pieces.size()) {
                int next = i;
                vertx.setTimer(delay, t -> writePieces(request, pieces, next, delay, breaks));
                return;
            }
            if (i < pieces.size() && response.writeQueueFull()) {
                // a reader slower than the writes: go on when it has caught up instead of holding the
                // event loop (and every other request on it) for the whole of a long stream
                int next = i;
                response.drainHandler(v -> {
                    response.drainHandler(null);
                    writePieces(request, pieces, next, delay, breaks);
                });
                return;
            }
        }
        if (breaks) {
            closeConnection(request);
        } else {
            response.end();
        }
    }

    /** The stream in frames, or in fixed-size byte slices when asked ({@link #SPLIT_BYTES_HEADER}: splitting frames and characters). */
    static List<Buffer> slices(List<Buffer> frames, HttpServerRequest request) {
        String splitHeader = request.getHeader(SPLIT_BYTES_HEADER);
        int split = 0;
        if (splitHeader != null) {
            try {
                split = Integer.parseInt(splitHeader.trim());
            } catch (NumberFormatException ignored) {
                split = 0;
            }
        }
        if (split <= 0) {
            return frames;
        }
        Buffer joined = Buffer.buffer();
        frames.forEach(joined::appendBuffer);
        byte[] all = joined.getBytes();
        List<Buffer> out = new ArrayList<>();
        for (int i = 0; i < all.length; i += split) {
            out.add(Buffer.buffer(java.util.Arrays.copyOfRange(all, i, Math.min(all.length, i + split))));
        }
        return out;
    }

    void breakBlocking(HttpServerRequest request, int status, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        HttpServerResponse response = request.response();
        response.setStatusCode(status).putHeader("Content-Type", "application/json")
                .putHeader("Content-Length", String.valueOf(bytes.length));
        response.write(Buffer.buffer(java.util.Arrays.copyOf(bytes, bytes.length / 2)))
                .onComplete(ar -> closeConnection(request));
    }

    String scenario(HttpServerRequest request, Api api, JsonNode body) {
        String header = request.getHeader(SCENARIO_HEADER);
        if (header != null && !header.isBlank()) {
            return header.trim();
        }
        JsonNode last = lastMessage(api, body);
        if (last != null) {
            Matcher m = MARKER.matcher(last.isTextual() ? last.asText() : last.toString());
            String found = null;
            while (m.find()) {
                found = m.group(1);
            }
            if (found != null) {
                return found;
            }
        }
        return DEFAULT_SCENARIO;
    }

    /**
     * Scripted tool loops, keyed on the request's content: a request that forbids tool calls
     * ({@code tool_choice: none}) gets the fixture's {@code without_tools} scenario; a request whose
     * last message is the n-th tool result of the conversation gets the n-th {@code then} scenario
     * (the last one repeats).
     */
    Fixture scripted(Api api, JsonNode body, Fixture fixture) {
        if (fixture.withoutTools() != null && toolChoiceNone(body)) {
            return fixture(api, fixture.withoutTools());
        }
        int turns = toolResultTurns(api, body);
        if (!fixture.then().isEmpty() && turns > 0) {
            Fixture next = fixture(api, fixture.then().get(Math.min(turns, fixture.then().size()) - 1));
            return next.withoutTools() != null && toolChoiceNone(body) ? fixture(api, next.withoutTools()) : next;
        }
        return fixture;
    }

    private static boolean toolChoiceNone(JsonNode body) {
        JsonNode choice = body.path("tool_choice");
        return "none".equals(choice.asText()) || "none".equals(choice.path("type").asText());
    }

    /** How many tool results the conversation has answered, when its last message is one (else 0). */
    static int toolResultTurns(Api api, JsonNode body) {
        JsonNode list = api == Api.OPENAI_RESPONSES ? body.path("input") : body.path("messages");
        if (!list.isArray() || list.isEmpty() || !isToolResult(api, list.get(list.size() - 1))) {
            return 0;
        }
        int turns = 0;
        boolean previous = false;
        for (JsonNode item : list) {
            boolean result = isToolResult(api, item);
            if (result && !previous) {
                turns++; // consecutive results (several calls of one turn) count once
            }
            previous = result;
        }
        return turns;
    }

    private static boolean isToolResult(Api api, JsonNode item) {
        return switch (api) {
            case ANTHROPIC_MESSAGES -> "user".equals(item.path("role").asText()) && item.path("content").isArray()
                    && item.path("content").findValuesAsText("type").contains("tool_result");
            case OPENAI_CHAT -> "tool".equals(item.path("role").asText());
            case OPENAI_RESPONSES -> "function_call_output".equals(item.path("type").asText());
        };
    }

    private static JsonNode lastMessage(Api api, JsonNode body) {
        JsonNode list = api == Api.OPENAI_RESPONSES ? body.path("input") : body.path("messages");
        if (list.isTextual()) {
            return list;
        }
        return list.isArray() && !list.isEmpty() ? list.get(list.size() - 1) : null;
    }

    Fixture fixture(Api api, String scenario) {
        if (!scenario.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("bad scenario name");
        }
        return fixtures.computeIfAbsent(api.folder() + "/" + scenario, k -> Fixture.load(api, scenario));
    }

    /** The fixture's model, in {@code "model":"..."} members, replaced with the requested one. */
    static String echoModel(String text, String fixtureModel, String requested) {
        if (text == null || fixtureModel == null || requested == null || requested.equals(fixtureModel)) {
            return text;
        }
        String escaped = jsonEscape(requested);
        return text.replace("\"model\":\"" + fixtureModel + "\"", "\"model\":\"" + escaped + "\"")
                .replace("\"model\": \"" + fixtureModel + "\"", "\"model\": \"" + escaped + "\"");
    }

    void later(long millis, Runnable action) {
        if (millis <= 0) {
            action.run();
        } else {
            vertx.setTimer(millis, t -> action.run());
        }
    }

    /** The delay before the status line: {@link #TTFB_HEADER}, else {@link Options#timeToFirstByte()}. */
    long ttfb(HttpServerRequest request) {
        return millis(request, TTFB_HEADER, options.timeToFirstByte());
    }

    /** The delay between two frames (or slices): {@link #CHUNK_DELAY_HEADER}, else {@link Options#chunkDelay()}. */
    long chunkDelay(HttpServerRequest request) {
        return millis(request, CHUNK_DELAY_HEADER, options.chunkDelay());
    }

    private static long millis(HttpServerRequest request, String header, Duration fallback) {
        String value = request.getHeader(header);
        if (value != null) {
            try {
                return Math.max(0, Long.parseLong(value.trim()));
            } catch (NumberFormatException ignored) {
                // fall back to the global option
            }
        }
        return fallback.toMillis();
    }

    /** Answers a request whose provider key {@link #REFUSED_KEYS_HEADER} lists, as the provider would; false when it is not listed. */
    private boolean refusedKey(HttpServerRequest request, boolean anthropic) {
        String spec = request.getHeader(REFUSED_KEYS_HEADER);
        if (spec == null) {
            return false;
        }
        String authorization = request.getHeader("Authorization");
        String key = request.getHeader("x-api-key") != null ? request.getHeader("x-api-key")
                : authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : null;
        for (String entry : spec.split(";")) {
            String[] keyAndAnswer = entry.trim().split("=", 2);
            if (keyAndAnswer.length < 2 || !keyAndAnswer[0].equals(key)) {
                continue;
            }
            String[] answer = keyAndAnswer[1].split(":", 2);
            int status = Integer.parseInt(answer[0].trim());
            if (answer.length > 1) {
                request.response().putHeader("Retry-After", answer[1].trim());
            }
            String type = switch (status) {
                case 429 -> anthropic ? "rate_limit_error" : "rate_limit_exceeded";
                case 401 -> anthropic ? "authentication_error" : "invalid_api_key";
                default -> anthropic ? "permission_error" : "insufficient_permissions";
            };
            String message = "the fake provider refuses this key with " + status;
            errorAnswer(request, status, anthropic
                    ? "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}"
                    : "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + (status == 429 ? "requests" : "invalid_request_error")
                    + "\",\"param\":null,\"code\":\"" + type + "\"}}");
            return true;
        }
        return false;
    }

    /** Answers a request of a {@link #FLAKY_HEADER} key whose failures are not used up yet; false when it is to be answered. */
    private boolean failsFlakily(HttpServerRequest request, Api api) {
        return failedFlakily(request, code -> {
            if (api == Api.ANTHROPIC_MESSAGES) {
                errorAnswer(request, code, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"flaky: "
                        + code + "\"}}");
            } else {
                errorAnswer(request, code, "{\"error\":{\"message\":\"flaky: " + code + "\",\"type\":\"server_error\",\"param\":null,"
                        + "\"code\":null}}");
            }
        });
    }

    /**
     * Counts a {@link #FLAKY_HEADER} request: false when it is to be answered as usual; else it fails,
     * by a closed connection or by {@code answer} with the status (the protocol's error body), with
     * {@code retry-after-ms} already on the response when asked.
     */
    boolean failedFlakily(HttpServerRequest request, java.util.function.IntConsumer answer) {
        String spec = request.getHeader(FLAKY_HEADER);
        if (spec == null) {
            return false;
        }
        String[] parts = spec.split(",");
        if (flaky.computeIfAbsent(parts[0].trim(), k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet()
                > Integer.parseInt(parts[1].trim())) {
            return false;
        }
        String status = parts[2].trim();
        if (status.equals("close")) {
            closeConnection(request);
            return true;
        }
        if (parts.length > 3) {
            request.response().putHeader("retry-after-ms", parts[3].trim());
        }
        answer.accept(Integer.parseInt(status));
        return true;
    }

    private static void badRequest(HttpServerRequest request, Api api, String message) {
        if (api == Api.ANTHROPIC_MESSAGES) {
            json(request.response(), 400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\""
                    + jsonEscape(message) + "\"}}");
        } else {
            json(request.response(), 400, "{\"error\":{\"message\":\"" + jsonEscape(message)
                    + "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}");
        }
    }

    private static void notFound(HttpServerRequest request, boolean anthropic, String message) {
        if (anthropic) {
            json(request.response(), 404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\""
                    + jsonEscape(message) + "\"}}");
        } else {
            json(request.response(), 404, "{\"error\":{\"message\":\"" + jsonEscape(message)
                    + "\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"unknown_url\"}}");
        }
    }

    /** The stream with its first occurrence of a text repeated as {@link #STRETCH_HEADER} asks, else as it is. */
    private static String stretched(HttpServerRequest request, String stream) {
        String stretch = request.getHeader(STRETCH_HEADER);
        int colon = stretch == null ? -1 : stretch.indexOf(':');
        if (colon < 1 || colon == stretch.length() - 1) {
            return stream;
        }
        String text = stretch.substring(colon + 1);
        int at = stream.indexOf(text);
        if (at < 0) {
            return stream;
        }
        int times = Integer.parseInt(stretch.substring(0, colon).trim());
        return stream.substring(0, at) + text.repeat(times) + stream.substring(at + text.length());
    }

    /** The stream's frames with a content block repeated as {@link #REPEAT_BLOCK_HEADER} asks, else as they are. */
    private static List<String> repeated(HttpServerRequest request, List<String> frames) {
        String repeat = request.getHeader(REPEAT_BLOCK_HEADER);
        if (repeat == null) {
            return frames;
        }
        String[] timesAndIndex = repeat.split(":", 2);
        return SseFrames.repeatBlock(frames, Integer.parseInt(timesAndIndex[1].trim()), Integer.parseInt(timesAndIndex[0].trim()));
    }

    /** The answer followed by the spaces {@link #PAD_BYTES_HEADER} asks for, when it is not an error. */
    private static String padded(HttpServerRequest request, Fixture fixture, String text) {
        String pad = request.getHeader(PAD_BYTES_HEADER);
        if (pad == null || fixture.isError()) {
            return text;
        }
        return text + " ".repeat(Integer.parseInt(pad.trim()));
    }

    static void json(HttpServerResponse response, int status, String body) {
        if (!response.closed() && !response.ended()) {
            response.setStatusCode(status).putHeader("Content-Type", "application/json").end(body);
        }
    }

    private static void error(HttpServerResponse response, int status, String body) {
        json(response, status, body);
    }

    static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.toString();
    }
}
