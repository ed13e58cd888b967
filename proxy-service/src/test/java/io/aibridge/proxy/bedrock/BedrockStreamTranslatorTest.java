package io.aibridge.proxy.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.eventstream.HeaderValue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Bedrock's event stream of an Anthropic answer, encoded with AWS's own codec, must come out as the
 * SSE Anthropic's API sends: each event's JSON byte for byte, errors as Anthropic's error event.
 */
class BedrockStreamTranslatorTest {

    private static final int MAX = 1024 * 1024;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The events of one Anthropic answer with text (UTF-8 included) and a tool call, as Bedrock streams them. */
    private static final List<String[]> ANSWER = List.of(
            new String[] {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_bdrk_01XkQ7dPq5ZrT9yVw3nB2cLm\","
                    + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\",\"content\":[],"
                    + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":412,\"cache_creation_input_tokens\":0,"
                    + "\"cache_read_input_tokens\":128,\"output_tokens\":3}}}"},
            new String[] {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
            new String[] {"ping", "{\"type\": \"ping\"}"},
            new String[] {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Grüße aus München ☀️ — 日本語 \\u00e9\\n\"}}"},
            new String[] {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Let me check the weather.\"}}"},
            new String[] {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"},
            new String[] {"content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
                    + "\"id\":\"toolu_bdrk_01A2b3C4d5E6f7G8h9I0\",\"name\":\"get_weather\",\"input\":{}}}"},
            new String[] {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}"},
            new String[] {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"city\\\": \\\"Mün\"}}"},
            new String[] {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"chen\\\", \\\"unit\\\": \\\"°C\\\"}\"}}"},
            new String[] {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"},
            new String[] {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":87}}"},
            new String[] {"message_stop", "{\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":412,"
                    + "\"outputTokenCount\":87,\"invocationLatency\":2316,\"firstByteLatency\":481}}"});

    // ---- encoding with AWS's codec ----

    private static byte[] encode(Map<String, HeaderValue> headers, byte[] payload) {
        ByteBuffer buffer = new software.amazon.eventstream.Message(headers, payload).toByteBuffer();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static byte[] event(String eventType, byte[] payload) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":event-type", HeaderValue.fromString(eventType));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("event"));
        return encode(headers, payload);
    }

    /** A chunk event as Bedrock sends it: the event's JSON in base64, plus the padding member. */
    private static byte[] chunk(String anthropicEventJson) {
        String b64 = Base64.getEncoder().encodeToString(anthropicEventJson.getBytes(StandardCharsets.UTF_8));
        return event("chunk", ("{\"bytes\":\"" + b64 + "\",\"p\":\"abcdefghijklmnopqrstuvwxyzABCDEF\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] exception(String exceptionType, String payloadJson) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":exception-type", HeaderValue.fromString(exceptionType));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("exception"));
        return encode(headers, payloadJson.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static byte[] answerStream() {
        return concat(ANSWER.stream().map(e -> chunk(e[1])).toList());
    }

    /** What Anthropic's API sends for the same answer, written out independently of the translator. */
    private static String answerSse() {
        StringBuilder sse = new StringBuilder();
        for (String[] e : ANSWER) {
            sse.append("event: ").append(e[0]).append('\n').append("data: ").append(e[1]).append("\n\n");
        }
        return sse.toString();
    }

    private static String translate(BedrockStreamTranslator translator, byte[] stream, int chunkSize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < stream.length; i += chunkSize) {
            out.writeBytes(translator.feed(Arrays.copyOfRange(stream, i, Math.min(stream.length, i + chunkSize))));
        }
        out.writeBytes(translator.finish());
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    // ---- chunks ----

    @Test
    void translatesAWholeAnswerIntoAnthropicsSse() {
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        String sse = translate(translator, answerStream(), Integer.MAX_VALUE);

        assertThat(sse).isEqualTo(answerSse());
        assertThat(translator.truncated()).isFalse();
        assertThat(translator.exceptionSeen()).isFalse();
        assertThat(translator.exceptionType()).isNull();
    }

    @Test
    void translatesTheSameAnswerFedOneByteAtATime() {
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        String sse = translate(translator, answerStream(), 1);

        assertThat(sse).isEqualTo(answerSse());
        assertThat(translator.truncated()).isFalse();
    }

    @Test
    void translatesTwoEventsWhereverTheBufferIsCut() {
        String first = ANSWER.get(3)[1];
        String second = ANSWER.get(8)[1];
        byte[] stream = concat(List.of(chunk(first), chunk(second)));
        String expected = "event: content_block_delta\ndata: " + first + "\n\nevent: content_block_delta\ndata: " + second + "\n\n";

        for (int cut = 0; cut <= stream.length; cut++) {
            BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);
            String sse = utf8(translator.feed(Arrays.copyOfRange(stream, 0, cut)))
                    + utf8(translator.feed(Arrays.copyOfRange(stream, cut, stream.length)))
                    + utf8(translator.finish());

            assertThat(sse).as("cut at %d", cut).isEqualTo(expected);
            assertThat(translator.truncated()).as("cut at %d", cut).isFalse();
        }
    }

    @Test
    void relaysTheEventJsonByteForByteWithoutReserializingIt() {
        // Spacing, key order, escapes and number forms a re-serializer would change.
        String json = "{ \"type\" : \"content_block_delta\",\"index\":0 ,\"delta\":{\"type\":\"text_delta\","
                + "\"text\":\"\\u00e9\\/ \\\"q\\\" ü\"},\"x\":1.50E+2,\"y\":[ ]}";
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        byte[] sse = translator.feed(chunk(json));

        byte[] expected = concat(List.of("event: content_block_delta\ndata: ".getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8), "\n\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(sse).isEqualTo(expected);
    }

    @Test
    void namesTheEventByTheTopLevelTypeEvenWhenItComesLast() {
        String json = "{\"delta\":{\"type\":\"text_delta\",\"text\":\"hi\"},\"index\":0,\"type\":\"content_block_delta\"}";

        assertThat(utf8(new BedrockStreamTranslator(MAX).feed(chunk(json))))
                .isEqualTo("event: content_block_delta\ndata: " + json + "\n\n");
    }

    @Test
    void emitsOnlyDataForAnEventWithoutAStringType() {
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        assertThat(utf8(translator.feed(chunk("{\"kind\":\"x\",\"n\":1}")))).isEqualTo("data: {\"kind\":\"x\",\"n\":1}\n\n");
        assertThat(utf8(translator.feed(chunk("{\"type\":7}")))).isEqualTo("data: {\"type\":7}\n\n");
        assertThat(utf8(translator.feed(chunk("[1,2]")))).isEqualTo("data: [1,2]\n\n");
    }

    @Test
    void keepsAnEventWithLineBreaksOneSseEventBySplittingItsDataLines() {
        String json = "{\n  \"type\": \"ping\"\r\n}";

        assertThat(utf8(new BedrockStreamTranslator(MAX).feed(chunk(json))))
                .isEqualTo("event: ping\ndata: {\ndata:   \"type\": \"ping\"\ndata: }\n\n");
    }

    @Test
    void readsTheBytesMemberWhereverItIsAndWhateverElseThePayloadHolds() {
        String json = "{\"type\":\"message_stop\"}";
        String b64 = Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8)).replace("/", "\\/");
        byte[] message = event("chunk", ("{\"p\":\"abc\",\"extra\":{\"bytes\":\"nested\"},\"bytes\":\"" + b64 + "\"}")
                .getBytes(StandardCharsets.UTF_8));

        assertThat(utf8(new BedrockStreamTranslator(MAX).feed(message))).isEqualTo("event: message_stop\ndata: " + json + "\n\n");
    }

    @Test
    void refusesAChunkWithoutBase64Bytes() {
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        assertThatThrownBy(() -> translator.feed(event("chunk", "{\"p\":\"abc\"}".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(EventStreamException.class);
        assertThatThrownBy(() -> new BedrockStreamTranslator(MAX).feed(event("chunk", "{\"bytes\":\"%%%\"}".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(EventStreamException.class);
        assertThatThrownBy(() -> new BedrockStreamTranslator(MAX).feed(event("chunk", "not json".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(EventStreamException.class);
    }

    // ---- other events ----

    @Test
    void skipsAnInitialResponseAndUnknownEvents() {
        byte[] stream = concat(List.of(event("initial-response", "{}".getBytes(StandardCharsets.UTF_8)),
                chunk(ANSWER.get(0)[1]),
                event("some-future-event", "{\"bytes\":\"e30=\"}".getBytes(StandardCharsets.UTF_8))));
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        assertThat(translate(translator, stream, 7)).isEqualTo("event: message_start\ndata: " + ANSWER.get(0)[1] + "\n\n");
        assertThat(translator.exceptionSeen()).isFalse();
    }

    @Test
    void returnsAnEmptyArrayWhenOnlySkippedMessagesCompleted() {
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        assertThat(translator.feed(event("initial-response", "{}".getBytes(StandardCharsets.UTF_8)))).isEmpty();
        assertThat(translator.feed(new byte[0])).isEmpty();
    }

    // ---- exceptions and errors ----

    @ParameterizedTest
    @CsvSource({
            "throttlingException, rate_limit_error",
            "serviceUnavailableException, overloaded_error",
            "validationException, invalid_request_error",
            "modelTimeoutException, timeout_error",
            "internalServerException, api_error",
            "modelStreamErrorException, api_error",
            "accessDeniedException, permission_error",
            "resourceNotFoundException, not_found_error",
            "someFutureException, api_error"})
    void turnsEachBedrockExceptionIntoAnthropicsErrorEvent(String exceptionType, String anthropicType) {
        byte[] stream = concat(List.of(chunk(ANSWER.get(0)[1]), exception(exceptionType, "{\"message\":\"Something \\\"went\\\" wrong\"}")));
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        String sse = translate(translator, stream, 5);

        assertThat(sse).isEqualTo("event: message_start\ndata: " + ANSWER.get(0)[1] + "\n\n"
                + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"" + anthropicType
                + "\",\"message\":\"Something \\\"went\\\" wrong\"}}\n\n");
        assertThat(translator.exceptionSeen()).isTrue();
        assertThat(translator.exceptionType()).isEqualTo(exceptionType);
    }

    @Test
    void acceptsTheCapitalisedMessageMember() throws Exception {
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        JsonNode error = errorData(translator.feed(exception("ThrottlingException", "{\"Message\":\"Too many requests, please wait before trying again.\"}")));

        assertThat(error.at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertThat(error.at("/error/message").asText()).isEqualTo("Too many requests, please wait before trying again.");
        assertThat(translator.exceptionType()).isEqualTo("ThrottlingException");
    }

    @Test
    void keepsTheModelsOwnStatusAndMessageOfAModelStreamError() throws Exception {
        byte[] message = exception("modelStreamErrorException",
                "{\"message\":\"Received error from model\",\"originalStatusCode\":529,\"originalMessage\":\"Overloaded\"}");

        JsonNode error = errorData(new BedrockStreamTranslator(MAX).feed(message));

        assertThat(error.at("/error/type").asText()).isEqualTo("api_error");
        assertThat(error.at("/error/message").asText()).isEqualTo("Received error from model (model status 529: Overloaded)");
    }

    @Test
    void fallsBackToTheModelsMessageThenTheRawPayloadThenTheExceptionType() throws Exception {
        assertThat(errorData(new BedrockStreamTranslator(MAX).feed(exception("modelStreamErrorException", "{\"originalMessage\":\"Overloaded\"}")))
                .at("/error/message").asText()).isEqualTo("Overloaded");
        assertThat(errorData(new BedrockStreamTranslator(MAX).feed(exception("internalServerException", "upstream fell over\n")))
                .at("/error/message").asText()).isEqualTo("upstream fell over");
        assertThat(errorData(new BedrockStreamTranslator(MAX).feed(exception("internalServerException", "")))
                .at("/error/message").asText()).isEqualTo("AWS Bedrock stream exception: internalServerException");
    }

    @Test
    void escapesTheMessageIntoValidJson() throws Exception {
        String text = "line one\nline \"two\"\t\\ ü ☀️ \u0001";
        String payload = MAPPER.writeValueAsString(Map.of("message", text));

        byte[] sse = new BedrockStreamTranslator(MAX).feed(exception("validationException", payload));

        assertThat(utf8(sse)).startsWith("event: error\ndata: {").endsWith("}\n\n");
        assertThat(utf8(sse).chars().filter(c -> c == '\n' || c == '\r').count()).as("line breaks").isEqualTo(3);
        assertThat(errorData(sse).at("/error/message").asText()).isEqualTo(text);
    }

    @Test
    void turnsAnErrorMessageIntoAnApiErrorEvent() throws Exception {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":message-type", HeaderValue.fromString("error"));
        headers.put(":error-code", HeaderValue.fromString("InternalFailure"));
        headers.put(":error-message", HeaderValue.fromString("We encountered an internal error. Please try again."));
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        byte[] sse = translator.feed(encode(headers, new byte[0]));

        assertThat(utf8(sse)).isEqualTo("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\","
                + "\"message\":\"We encountered an internal error. Please try again.\"}}\n\n");
        assertThat(translator.exceptionSeen()).isTrue();
        assertThat(translator.exceptionType()).isEqualTo("InternalFailure");
    }

    @Test
    void mapsTheCodeOfAnErrorMessageWhenItIsAKnownOne() throws Exception {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":message-type", HeaderValue.fromString("error"));
        headers.put(":error-code", HeaderValue.fromString("ThrottlingException"));

        JsonNode error = errorData(new BedrockStreamTranslator(MAX).feed(encode(headers, new byte[0])));

        assertThat(error.at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertThat(error.at("/error/message").asText()).isEqualTo("AWS Bedrock stream error: ThrottlingException");
    }

    @Test
    void remembersTheFirstExceptionOfAStream() {
        byte[] stream = concat(List.of(exception("throttlingException", "{\"message\":\"a\"}"),
                exception("internalServerException", "{\"message\":\"b\"}")));
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        String sse = translate(translator, stream, 3);

        assertThat(sse).contains("\"rate_limit_error\"", "\"api_error\"");
        assertThat(translator.exceptionType()).isEqualTo("throttlingException");
    }

    // ---- the end of the body ----

    @Test
    void aBodyEndingInsideAMessageIsTruncatedAndGetsNoMadeUpError() {
        byte[] stream = answerStream();
        byte[] cut = Arrays.copyOf(stream, stream.length - 5);
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        String sse = translate(translator, cut, 64);

        String all = answerSse();
        String withoutLast = all.substring(0, all.lastIndexOf("event: message_stop"));
        assertThat(sse).isEqualTo(withoutLast);
        assertThat(translator.truncated()).isTrue();
        assertThat(translator.exceptionSeen()).isFalse();
    }

    @Test
    void aBodyEndingBetweenMessagesIsNotTruncated() {
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);
        translator.feed(chunk(ANSWER.get(0)[1]));

        assertThat(translator.finish()).isEmpty();
        assertThat(translator.truncated()).isFalse();
    }

    @Test
    void aCorruptedMessagePropagatesAsADecodingFailure() {
        byte[] stream = answerStream();
        stream[stream.length - 2] ^= 0x10;
        BedrockStreamTranslator translator = new BedrockStreamTranslator(MAX);

        assertThatThrownBy(() -> translator.feed(stream))
                .isInstanceOf(EventStreamException.class).hasMessageContaining("message checksum");
    }

    @Test
    void anOversizeMessagePropagatesAsADecodingFailure() {
        byte[] big = chunk("{\"type\":\"content_block_delta\",\"text\":\"" + "x".repeat(4000) + "\"}");
        BedrockStreamTranslator translator = new BedrockStreamTranslator(1024);

        assertThatThrownBy(() -> translator.feed(big)).isInstanceOf(EventStreamException.class);
    }

    private static JsonNode errorData(byte[] sse) throws Exception {
        String text = utf8(sse);
        assertThat(text).startsWith("event: error\ndata: ").endsWith("\n\n");
        return MAPPER.readTree(text.substring("event: error\ndata: ".length(), text.length() - 2));
    }
}
