package io.aibridge.proxy.bedrock;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Turns the body of Bedrock's {@code InvokeModelWithResponseStream} for an Anthropic model into the
 * server-sent events Anthropic's Messages API would have sent.
 *
 * <p>Bedrock wraps each Anthropic stream event in an event-stream message with the headers
 * {@code :message-type=event} and {@code :event-type=chunk}, whose payload is
 * {@code {"bytes":"<base64 of the event's JSON>"}} (other members, such as the {@code "p"} padding,
 * are ignored). The event's JSON is relayed byte for byte as {@code event: <its type>} and
 * {@code data: <json>}; only its top-level {@code type} is read. Other event types are skipped.
 * A message with {@code :message-type=exception} ({@code :exception-type} header, JSON payload) or
 * {@code :message-type=error} ({@code :error-code}, {@code :error-message} headers) becomes
 * Anthropic's {@code error} event, with the type {@link BedrockErrors#anthropicType} maps to.
 *
 * <p>One translator per stream; not thread-safe. A framing error surfaces as an
 * {@link EventStreamException} from {@link #feed}.
 */
public final class BedrockStreamTranslator {

    private static final byte[] EMPTY = new byte[0];
    private static final byte[] EVENT_FIELD = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA_FIELD = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR_EVENT = "event: error\ndata: ".getBytes(StandardCharsets.US_ASCII);

    private final EventStreamDecoder decoder;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    private boolean truncated;
    private boolean exceptionSeen;
    private String exceptionType;

    /**
     * @param maxMessageBytes the largest event-stream message accepted (see {@link EventStreamDecoder})
     */
    public BedrockStreamTranslator(int maxMessageBytes) {
        this.decoder = new EventStreamDecoder(maxMessageBytes);
    }

    /**
     * Feeds the next bytes of Bedrock's body.
     *
     * @return the SSE bytes of the messages this chunk completed; an empty array when none
     * @throws EventStreamException if the body is not a valid event stream, or a chunk event does not
     *     carry base64 bytes
     */
    public byte[] feed(byte[] chunk) {
        List<EventStreamDecoder.Message> messages = decoder.feed(chunk);
        if (messages.isEmpty()) {
            return EMPTY;
        }
        out.reset();
        for (EventStreamDecoder.Message message : messages) {
            translate(message);
        }
        return out.size() == 0 ? EMPTY : out.toByteArray();
    }

    /**
     * The upstream body ended. Returns nothing; if an unfinished message was left, {@link #truncated()}
     * becomes true (the stream was cut, and no error event is made up for it).
     */
    public byte[] finish() {
        if (decoder.partial()) {
            truncated = true;
        }
        return EMPTY;
    }

    /** True when the body ended inside a message. */
    public boolean truncated() {
        return truncated;
    }

    /** True once an exception or error message was translated into an error event. */
    public boolean exceptionSeen() {
        return exceptionSeen;
    }

    /**
     * The first exception's Bedrock type as sent (for example {@code throttlingException}), or the
     * {@code :error-code} of an error message; null before any, or when the message named none.
     */
    public String exceptionType() {
        return exceptionType;
    }

    private void translate(EventStreamDecoder.Message message) {
        String messageType = message.header(":message-type");
        if ("event".equals(messageType)) {
            if ("chunk".equals(message.header(":event-type"))) {
                chunk(message.payload());
            }
            // Other events (initial-response, future ones) carry nothing for the client.
        } else if ("exception".equals(messageType)) {
            String type = message.header(":exception-type");
            error(type, exceptionMessage(type, message.payload()));
        } else if ("error".equals(messageType)) {
            String code = message.header(":error-code");
            String text = message.header(":error-message");
            error(code, text != null && !text.isBlank() ? text
                    : code != null ? "AWS Bedrock stream error: " + code : "AWS Bedrock stream error");
        }
    }

    private void chunk(byte[] payload) {
        byte[] event = chunkBytes(payload);
        String type = eventType(event);
        if (type != null) {
            out.writeBytes(EVENT_FIELD);
            out.writeBytes(type.getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
        writeData(event);
        out.write('\n');
    }

    /**
     * One {@code data:} line per line of the event. Anthropic's JSON is on one line, so this is the
     * event byte for byte; should it ever hold a line break, the SSE client still joins the lines
     * back with LF, which leaves the JSON equivalent.
     */
    private void writeData(byte[] event) {
        int start = 0;
        for (int i = 0; i < event.length; i++) {
            byte b = event[i];
            if (b == '\n' || b == '\r') {
                writeDataLine(event, start, i);
                if (b == '\r' && i + 1 < event.length && event[i + 1] == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        writeDataLine(event, start, event.length);
    }

    private void writeDataLine(byte[] bytes, int from, int to) {
        out.writeBytes(DATA_FIELD);
        out.write(bytes, from, to - from);
        out.write('\n');
    }

    private void error(String awsType, String message) {
        if (!exceptionSeen) {
            exceptionSeen = true;
            exceptionType = awsType;
        }
        out.writeBytes(ERROR_EVENT);
        out.writeBytes(BedrockErrors.errorJson(BedrockErrors.anthropicType(awsType), message));
        out.write('\n');
        out.write('\n');
    }

    /**
     * An exception's text: the payload's {@code message}; for a model stream error, with the model's
     * own status and message when they add something.
     */
    private static String exceptionMessage(String type, byte[] payload) {
        BedrockErrors.ErrorBody body = BedrockErrors.parseBody(payload);
        String message = body.message();
        String original = body.originalMessage();
        if (message != null && original != null && !original.equals(message)) {
            return message + (body.originalStatusCode() != null
                    ? " (model status " + body.originalStatusCode() + ": " + original + ")"
                    : " (" + original + ")");
        }
        if (message != null) {
            return message;
        }
        if (original != null) {
            return original;
        }
        String raw = BedrockErrors.rawText(payload);
        if (raw != null) {
            return raw;
        }
        return type != null ? "AWS Bedrock stream exception: " + type : "AWS Bedrock stream exception";
    }

    /** The Anthropic event a chunk carries: its payload's {@code bytes} member, base64-decoded. */
    private static byte[] chunkBytes(byte[] payload) {
        try (JsonParser parser = BedrockErrors.JSON.createParser(payload)) {
            if (parser.nextToken() == JsonToken.START_OBJECT) {
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    if ("bytes".equals(name) && value == JsonToken.VALUE_STRING) {
                        return Base64.getDecoder().decode(parser.getText());
                    }
                    parser.skipChildren();
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new EventStreamException("Bedrock chunk event is not {\"bytes\":\"<base64>\"}: " + e.getMessage());
        }
        throw new EventStreamException("Bedrock chunk event has no base64 \"bytes\" member");
    }

    /**
     * The top-level {@code type} of an event's JSON; null when it has none, it is not a string, or
     * it could not be put on an SSE {@code event:} line.
     */
    private static String eventType(byte[] event) {
        try (JsonParser parser = BedrockErrors.JSON.createParser(event)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                if ("type".equals(name)) {
                    if (value != JsonToken.VALUE_STRING) {
                        return null;
                    }
                    String type = parser.getText();
                    return type.indexOf('\n') < 0 && type.indexOf('\r') < 0 ? type : null;
                }
                parser.skipChildren();
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
