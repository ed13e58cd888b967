package io.aibridge.testing.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An Anthropic SSE stream as Bedrock's {@code InvokeModelWithResponseStream} sends it: one
 * {@code application/vnd.amazon.eventstream} message per event, encoded with AWS's own codec.
 *
 * <p>Protocol facts: each event is a {@code chunk} whose payload is {@code {"bytes":"<base64 of the
 * event's JSON>","p":"<padding>"}} (the padding hides the payload's length); Bedrock does not relay
 * {@code ping}; it adds {@code amazon-bedrock-invocationMetrics} to {@code message_stop}; a provider
 * error ends the stream as an exception message ({@code :message-type} {@code exception}).
 */
final class BedrockEventStream {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private BedrockEventStream() {
    }

    /**
     * The event-stream messages for an SSE text, in order. The latencies in the metrics are the ones the
     * fake's schedule plans: the first message after {@code ttfb}, each next one {@code chunkDelay} later.
     */
    static List<Buffer> messages(String sse, long ttfb, long chunkDelay) {
        List<Buffer> out = new ArrayList<>();
        long inputTokens = 0;
        long outputTokens = 0;
        for (String frame : SseFrames.split(sse)) {
            List<String> data = SseFrames.data(frame);
            if (data.isEmpty()) {
                continue;
            }
            String json = data.get(0);
            String event = eventName(frame);
            JsonNode parsed = parse(json);
            if (event.equals("ping")) {
                continue;
            }
            if (event.equals("error")) {
                JsonNode error = parsed.path("error");
                out.add(exception(exceptionType(error.path("type").asText()), error.path("message").asText("")));
                break; // an exception ends the stream
            }
            if (event.equals("message_start")) {
                inputTokens = parsed.path("message").path("usage").path("input_tokens").asLong(inputTokens);
            } else if (event.equals("message_delta")) {
                // cumulative: the last one is the answer's output
                outputTokens = parsed.path("usage").path("output_tokens").asLong(outputTokens);
            } else if (event.equals("message_stop") && parsed.isObject()) {
                ObjectNode metrics = ((ObjectNode) parsed).putObject("amazon-bedrock-invocationMetrics");
                metrics.put("inputTokenCount", inputTokens)
                        .put("outputTokenCount", outputTokens)
                        .put("invocationLatency", ttfb + chunkDelay * out.size())
                        .put("firstByteLatency", ttfb);
                json = parsed.toString();
            }
            out.add(chunk(json, out.size()));
        }
        return out;
    }

    /**
     * The {@code :exception-type} of an Anthropic error type: Bedrock's stream exceptions are
     * lower-camel-case member names ({@code throttlingException}, ...).
     */
    static String exceptionType(String anthropicType) {
        return switch (anthropicType) {
            case "overloaded_error" -> "serviceUnavailableException";
            case "rate_limit_error" -> "throttlingException";
            default -> "internalServerException";
        };
    }

    private static Buffer chunk(String json, int index) {
        String payload = "{\"bytes\":\"" + Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8))
                + "\",\"p\":\"" + PADDING.substring(0, 1 + (index * 7) % PADDING.length()) + "\"}";
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":event-type", HeaderValue.fromString("chunk"));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("event"));
        return encode(new Message(headers, payload.getBytes(StandardCharsets.UTF_8)));
    }

    private static Buffer exception(String type, String message) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":exception-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("exception"));
        String payload = "{\"message\":\"" + FakeProvider.jsonEscape(message) + "\"}";
        return encode(new Message(headers, payload.getBytes(StandardCharsets.UTF_8)));
    }

    private static Buffer encode(Message message) {
        ByteBuffer bytes = message.toByteBuffer();
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        return Buffer.buffer(out);
    }

    private static String eventName(String frame) {
        for (String line : frame.split("\n")) {
            if (line.startsWith("event:")) {
                return line.substring("event:".length()).trim();
            }
        }
        return "";
    }

    /** The event's JSON, or a missing node when it is not JSON (the {@code malformed} scenario is relayed as it is). */
    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            return JSON.missingNode();
        }
    }
}
