package io.aibridge.proxy.route;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * Errors the proxy itself raises, in the JSON its caller's SDK parses: Anthropic's
 * {@code {"type":"error","error":{"type","message"}}} or OpenAI's
 * {@code {"error":{"message","type","param","code"}}}. Messages never echo a secret.
 */
public final class ProviderErrors {

    private ProviderErrors() {
    }

    /** Anthropic error type for an HTTP status (per Anthropic's documented error types). */
    static String anthropicType(int status) {
        return switch (status) {
            case 400, 405, 415 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 408, 504 -> "timeout_error";
            case 529, 503 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    public static String body(ProviderType provider, int status, String message, String openAiCode) {
        String escaped = escape(message);
        if (provider == ProviderType.ANTHROPIC) {
            return "{\"type\":\"error\",\"error\":{\"type\":\"" + anthropicType(status) + "\",\"message\":\"" + escaped + "\"}}";
        }
        String type = status >= 500 ? "server_error" : "invalid_request_error";
        return "{\"error\":{\"message\":\"" + escaped + "\",\"type\":\"" + type + "\",\"param\":null,\"code\":"
                + (openAiCode == null ? "null" : "\"" + escape(openAiCode) + "\"") + "}}";
    }

    /** Ends the response with the error; does nothing if the response already started. */
    public static void send(HttpServerResponse response, ProviderType provider, int status, String message, String openAiCode) {
        if (response.headWritten() || response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status)
                .putHeader("Content-Type", "application/json")
                .end(Buffer.buffer(body(provider, status, message, openAiCode)));
    }

    /**
     * Ends the response with an error the caller should retry: the status (429 or 503) with
     * {@code Retry-After}, which the providers' SDKs honour before their next attempt.
     */
    public static void sendRetryLater(HttpServerResponse response, ProviderType provider, int status, int retryAfterSeconds,
                                      String message, String openAiCode) {
        if (response.headWritten() || response.ended() || response.closed()) {
            return;
        }
        response.putHeader("Retry-After", Integer.toString(retryAfterSeconds));
        send(response, provider, status, message, openAiCode);
    }

    public static String escape(String s) {
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
