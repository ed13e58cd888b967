package io.aibridge.testing.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One recorded-style provider exchange: {@code fixtures/<api>/<scenario>/} on the class path.
 *
 * <ul>
 *   <li>{@code request.json}: a representative client request (blocking form; set {@code stream} to stream it)</li>
 *   <li>{@code response.json}: the blocking body, or the error body when {@code meta.json} sets a status</li>
 *   <li>{@code stream.sse}: the exact SSE bytes of the streamed answer. Chat streams are stored as
 *       the provider sends them with {@code stream_options.include_usage=true}</li>
 *   <li>{@code meta.json} (optional): {@code status}, {@code blocking_status} (when a blocking request
 *       fails while the streamed one starts and then carries an error event), {@code headers},
 *       {@code break} (the connection is closed after the stored bytes, mid-stream), {@code hang}
 *       (no answer at all); for scripted tool loops {@code then} (the scenarios that answer the 1st,
 *       2nd, ... tool-result turn of the conversation; the last one repeats) and {@code without_tools}
 *       (the scenario that answers a request with {@code tool_choice: none})</li>
 * </ul>
 *
 * @param model the request's model: the fake replaces it with the model each request asks for
 */
public record Fixture(Api api, String scenario, String request, String response, String stream, int status,
                      int blockingStatus, Map<String, String> headers, boolean breaks, boolean hangs, String model,
                      List<String> then, String withoutTools) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOT = "fixtures/";

    /** Loads a scenario; fails when it does not exist. */
    public static Fixture load(Api api, String scenario) {
        String base = ROOT + api.folder() + "/" + scenario + "/";
        String request = read(base + "request.json");
        String response = read(base + "response.json");
        String stream = read(base + "stream.sse");
        String meta = read(base + "meta.json");
        if (request == null && response == null && stream == null && meta == null) {
            throw new IllegalArgumentException("no fixture " + api.folder() + "/" + scenario);
        }
        int status = 200;
        int blockingStatus = -1;
        Map<String, String> headers = new LinkedHashMap<>();
        boolean breaks = false;
        boolean hangs = false;
        List<String> then = new ArrayList<>();
        String withoutTools = null;
        if (meta != null) {
            JsonNode m = parse(meta, base + "meta.json");
            status = m.path("status").asInt(200);
            blockingStatus = m.path("blocking_status").asInt(-1);
            m.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
            breaks = m.path("break").asBoolean(false);
            hangs = m.path("hang").asBoolean(false);
            m.path("then").forEach(n -> then.add(n.asText()));
            withoutTools = m.path("without_tools").asText(null);
        }
        String model = request == null ? null : parse(request, base + "request.json").path("model").asText(null);
        return new Fixture(api, scenario, request, response, stream, status, blockingStatus < 0 ? status : blockingStatus,
                Collections.unmodifiableMap(headers),
                breaks, hangs, model, List.copyOf(then), withoutTools);
    }

    /** Every scenario of every API, from {@code fixtures/index.txt}. */
    public static List<Fixture> all() {
        String index = read(ROOT + "index.txt");
        List<Fixture> out = new ArrayList<>();
        for (String line : index.split("\n")) {
            if (!line.isBlank()) {
                String[] parts = line.trim().split("/");
                out.add(load(Api.fromFolder(parts[0]), parts[1]));
            }
        }
        return out;
    }

    /** A copy of {@code request.json} with {@code stream} set as given. */
    public ObjectNode request(boolean stream) {
        ObjectNode body = (ObjectNode) parse(request, api.folder() + "/" + scenario + "/request.json");
        body.put("stream", stream);
        return body;
    }

    /** The parsed blocking (or error) body. */
    public JsonNode responseJson() {
        return parse(response, api.folder() + "/" + scenario + "/response.json");
    }

    /** True when the provider refuses the request before any stream starts. */
    public boolean isError() {
        return status >= 400;
    }

    /** The status a request in this mode gets. */
    public int status(boolean stream) {
        return stream ? status : blockingStatus;
    }

    private static JsonNode parse(String text, String what) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException("fixture " + what + " is not valid JSON", e);
        }
    }

    private static String read(String resource) {
        try (InputStream in = Fixture.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
