package io.aibridge.recorder.interception;

import io.aibridge.events.InterceptionEnded;
import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.InterceptionStarted;
import io.aibridge.events.ModelThoughtRecorded;
import io.aibridge.events.PromptRecorded;
import io.aibridge.events.TokenUsageRecorded;
import io.aibridge.events.ToolUsageRecorded;
import io.aibridge.recorder.sql.Text;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Structured logging of stored records (behaviour §13.4), on when {@code AIBRIDGE_STRUCTURED_LOGGING=true}:
 * one INFO line per record, after its batch committed, with the message {@code interception log}
 * and logfmt fields ({@code key=value}, values quoted when they contain spaces, quotes or
 * {@code =}). {@code msg_id} is the provider response id. The lines carry prompts and tool inputs,
 * which is why the setting is off by default; they never carry a secret (events hold none).
 */
final class InterceptionLog {

    private static final Logger LOG = Logger.getLogger("io.aibridge.recorder.records");

    private final boolean enabled;

    InterceptionLog(boolean enabled) {
        this.enabled = enabled;
    }

    void written(List<InterceptionEvent> events, Map<UUID, ThreadLinker.Link> links) {
        if (!enabled) {
            return;
        }
        for (InterceptionEvent event : events) {
            LOG.info(line(event, links));
        }
    }

    static String line(InterceptionEvent event, Map<UUID, ThreadLinker.Link> links) {
        Fields f = new Fields();
        if (event instanceof InterceptionStarted s) {
            ThreadLinker.Link link = links.get(s.interceptionId());
            f.put("record_type", "interception_start").put("interception_id", s.interceptionId())
                    .put("initiator_id", s.initiatorId()).put("api_key_id", s.apiKeyId()).put("provider", s.provider())
                    .put("model", s.model()).put("client", s.client()).put("client_session_id", s.clientSessionId())
                    .put("started_at", s.startedAt()).put("metadata", Text.json(s.metadata()))
                    .put("correlating_tool_call_id", s.correlatingToolCallId())
                    .put("thread_parent_id", link == null ? null : link.parentId())
                    .put("thread_root_id", link == null ? null : link.rootId());
        } else if (event instanceof InterceptionEnded e) {
            f.put("record_type", "interception_end").put("interception_id", e.interceptionId()).put("ended_at", e.endedAt());
        } else if (event instanceof TokenUsageRecorded t) {
            f.put("record_type", "token_usage").put("interception_id", t.interceptionId()).put("msg_id", t.providerResponseId())
                    .put("input_tokens", t.inputTokens()).put("output_tokens", t.outputTokens())
                    .put("cache_read_input_tokens", t.cacheReadInputTokens())
                    .put("cache_write_input_tokens", t.cacheWriteInputTokens()).put("created_at", t.createdAt())
                    .put("metadata", Text.json(t.metadata()));
        } else if (event instanceof PromptRecorded p) {
            f.put("record_type", "prompt_usage").put("interception_id", p.interceptionId()).put("msg_id", p.providerResponseId())
                    .put("prompt", p.prompt()).put("created_at", p.createdAt()).put("metadata", Text.json(p.metadata()));
        } else if (event instanceof ToolUsageRecorded t) {
            f.put("record_type", "tool_usage").put("interception_id", t.interceptionId()).put("msg_id", t.providerResponseId())
                    .put("tool_call_id", t.providerToolCallId()).put("tool", t.tool()).put("input", t.input())
                    .put("server_url", t.serverUrl()).put("injected", t.injected())
                    .put("invocation_error", t.invocationError()).put("created_at", t.createdAt())
                    .put("metadata", Text.json(t.metadata()));
        } else if (event instanceof ModelThoughtRecorded m) {
            f.put("record_type", "model_thought").put("interception_id", m.interceptionId()).put("content", m.content())
                    .put("created_at", m.createdAt()).put("metadata", Text.json(m.metadata()));
        }
        return "interception log " + f;
    }

    /** logfmt fields. */
    private static final class Fields {
        private final StringBuilder out = new StringBuilder();

        Fields put(String key, Object value) {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append(key).append('=');
            String text = value == null ? "" : value.toString();
            if (text.isEmpty() || text.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '=' || c == '\\')) {
                out.append('"');
                text.chars().forEach(c -> {
                    switch (c) {
                        case '"' -> out.append("\\\"");
                        case '\\' -> out.append("\\\\");
                        case '\n' -> out.append("\\n");
                        case '\r' -> out.append("\\r");
                        case '\t' -> out.append("\\t");
                        default -> out.append((char) c);
                    }
                });
                out.append('"');
            } else {
                out.append(text);
            }
            return this;
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }
}
