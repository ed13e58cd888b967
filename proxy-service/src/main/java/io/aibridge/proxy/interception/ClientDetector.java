package io.aibridge.proxy.interception;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Locale;
import java.util.function.Function;

/**
 * Which agent sent the request, and its own session id: the reference's ordered rules on the
 * lower-cased {@code User-Agent} (first match wins; {@code mux/} before {@code claude},
 * {@code githubcopilotchat/} before {@code copilot/}), then {@code originator}, then Cursor's
 * {@code x-cursor-client-version}.
 */
public final class ClientDetector {

    public static final String UNKNOWN = "Unknown";
    static final int MAX_SESSION_ID = 256;
    private static final String LEGACY_SESSION_MARK = "_session_";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClientDetector() {
    }

    /** The client name (one of the reference's exact strings). */
    public static String client(Function<String, String> header) {
        String userAgent = header.apply("User-Agent");
        String ua = userAgent == null ? "" : userAgent.toLowerCase(Locale.ROOT);
        String originator = header.apply("originator");
        if (ua.startsWith("mux/")) {
            return "Mux";
        }
        if (ua.startsWith("claude")) {
            return "Claude Code";
        }
        if (ua.startsWith("codex")) {
            return "Codex";
        }
        if (ua.startsWith("zed/")) {
            return "Zed";
        }
        if (ua.startsWith("githubcopilotchat/")) {
            return "GitHub Copilot (VS Code)";
        }
        if (ua.startsWith("copilot/")) {
            return "GitHub Copilot (CLI)";
        }
        if (ua.startsWith("kilo-code/") || "kilo-code".equals(originator)) {
            return "Kilo Code";
        }
        if (ua.startsWith("roo-code/") || "roo-code".equals(originator)) {
            return "Roo Code";
        }
        if (ua.startsWith("coder-agents/")) {
            return "Coder Agents";
        }
        if (ua.startsWith("charm crush/") || ua.startsWith("charm-crush/")) {
            return "Charm Crush";
        }
        String cursor = header.apply("x-cursor-client-version");
        if (cursor != null && !cursor.isBlank()) {
            return "Cursor";
        }
        return UNKNOWN;
    }

    /**
     * The detected client's own session id, trimmed and cut to 256 characters; null when the
     * client has none. Only the detected client's source is used.
     */
    public static String sessionId(String client, Function<String, String> header, JsonNode body) {
        String raw = switch (client) {
            case "Claude Code" -> {
                String h = header.apply("X-Claude-Code-Session-Id");
                yield h != null && !h.isBlank() ? h : claudeCodeUserIdSession(body);
            }
            // Codex sends session_id (underscore); some reverse proxies drop underscore headers, so session-id too
            case "Codex" -> firstNonBlank(header.apply("session-id"), header.apply("session_id"));
            case "Mux" -> header.apply("X-Mux-Workspace-Id");
            case "GitHub Copilot (VS Code)" -> header.apply("x-interaction-id");
            case "GitHub Copilot (CLI)" -> header.apply("X-Client-Session-Id");
            case "Kilo Code" -> header.apply("X-KILOCODE-TASKID");
            case "Coder Agents" -> header.apply("X-Coder-Chat-Id");
            default -> null;
        };
        if (raw == null) {
            return null;
        }
        String trimmed = raw.trim();
        if (trimmed.isEmpty()) {
            return null;
        }
        return Texts.prefix(trimmed, MAX_SESSION_ID);
    }

    /**
     * Claude Code's {@code metadata.user_id}: either a JSON object (as a string) with
     * {@code session_id}, or the legacy {@code user_<hash>_account_<id>_session_<uuid>}.
     */
    static String claudeCodeUserIdSession(JsonNode body) {
        JsonNode userId = body == null ? null : body.path("metadata").get("user_id");
        if (userId == null || !userId.isTextual()) {
            return null;
        }
        String value = userId.asText();
        String trimmed = value.trim();
        if (trimmed.startsWith("{")) {
            try {
                JsonNode parsed = JSON.readTree(trimmed);
                JsonNode session = parsed.get("session_id");
                if (session != null && session.isTextual()) {
                    return session.asText();
                }
            } catch (Exception ignored) {
                // not JSON: try the legacy form
            }
        }
        int mark = value.indexOf(LEGACY_SESSION_MARK);
        if (mark >= 0) {
            String session = value.substring(mark + LEGACY_SESSION_MARK.length());
            return session.isEmpty() ? null : session;
        }
        return null;
    }

    private static String firstNonBlank(String a, String b) {
        return a != null && !a.isBlank() ? a : b;
    }
}
