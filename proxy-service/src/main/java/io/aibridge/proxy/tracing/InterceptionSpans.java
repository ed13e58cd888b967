package io.aibridge.proxy.tracing;

import io.opentelemetry.api.common.AttributeKey;

import java.util.List;

/**
 * Span names and attribute keys of an interception: the reference's (behaviour reference §13.2),
 * and OpenTelemetry's GenAI client-span attributes on each upstream call (§13.3). Prompts, tool
 * inputs, completions and tokens are never attributes; only counts are.
 */
public final class InterceptionSpans {

    public static final String INTERCEPT = "Intercept";
    public static final String CREATE_INTERCEPTOR = "Intercept.CreateInterceptor";
    public static final String PROCESS_REQUEST = "Intercept.ProcessRequest";
    public static final String UPSTREAM = "Intercept.ProcessRequest.Upstream";
    public static final String RECORD_INTERCEPTION = "Intercept.RecordInterception";
    public static final String RECORD_PROMPT_USAGE = "Intercept.RecordPromptUsage";
    public static final String RECORD_TOKEN_USAGE = "Intercept.RecordTokenUsage";
    public static final String RECORD_TOOL_USAGE = "Intercept.RecordToolUsage";
    public static final String RECORD_MODEL_THOUGHT = "Intercept.RecordModelThought";
    public static final String RECORD_INTERCEPTION_ENDED = "Intercept.RecordInterceptionEnded";
    public static final String PASSTHROUGH = "Passthrough";

    // request attributes, copied to every span of the interception
    public static final AttributeKey<String> REQUEST_PATH = AttributeKey.stringKey("request_path");
    public static final AttributeKey<String> INTERCEPTION_ID = AttributeKey.stringKey("interception_id");
    /** The initiator. User ids are fine on spans; they are banned only as metric labels. */
    public static final AttributeKey<String> USER_ID = AttributeKey.stringKey("user_id");
    public static final AttributeKey<String> API_KEY_ID = AttributeKey.stringKey("api_key_id");
    public static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("provider");
    public static final AttributeKey<String> MODEL = AttributeKey.stringKey("model");
    public static final AttributeKey<Boolean> STREAMING = AttributeKey.booleanKey("streaming");
    /** Anthropic only: whether the call went to AWS Bedrock (never, in this bridge). */
    public static final AttributeKey<Boolean> AWS_BEDROCK = AttributeKey.booleanKey("aws_bedrock");

    // how the interception ended (Intercept span only)
    public static final AttributeKey<String> END_STATUS = AttributeKey.stringKey("end_status");
    public static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    /** OpenTelemetry's HTTP client attribute: how many times the request was sent again. */
    public static final AttributeKey<Long> RESEND_COUNT = AttributeKey.longKey("http.request.resend_count");
    public static final AttributeKey<Long> RETRY_DELAY_MS = AttributeKey.longKey("aibridge.retry.delay_ms");
    /** The masked hints of the configured key a provider turned away and of the one the call went on with. */
    public static final AttributeKey<String> KEY_FROM = AttributeKey.stringKey("aibridge.key_failover.from");
    public static final AttributeKey<String> KEY_TO = AttributeKey.stringKey("aibridge.key_failover.to");

    // passthrough
    public static final AttributeKey<String> PASSTHROUGH_URL = AttributeKey.stringKey("passthrough_url");
    public static final AttributeKey<String> PASSTHROUGH_UPSTREAM_URL = AttributeKey.stringKey("passthrough_upstream_url");
    public static final AttributeKey<String> PASSTHROUGH_METHOD = AttributeKey.stringKey("passthrough_method");

    // OpenTelemetry GenAI client spans (the newest names; not the deprecated gen_ai.system)
    public static final AttributeKey<String> GEN_AI_OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> GEN_AI_PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    public static final AttributeKey<String> GEN_AI_REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<Boolean> GEN_AI_REQUEST_STREAM = AttributeKey.booleanKey("gen_ai.request.stream");
    public static final AttributeKey<String> GEN_AI_PREVIOUS_RESPONSE =
            AttributeKey.stringKey("gen_ai.request.previous_response.id");
    public static final AttributeKey<String> GEN_AI_CONVERSATION = AttributeKey.stringKey("gen_ai.conversation.id");
    public static final AttributeKey<String> GEN_AI_RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    public static final AttributeKey<String> GEN_AI_RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    public static final AttributeKey<List<String>> GEN_AI_FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    /** All input, cached included (unlike the {@code input_tokens} column, which is uncached input). */
    public static final AttributeKey<Long> GEN_AI_INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    public static final AttributeKey<Long> GEN_AI_OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    public static final AttributeKey<Long> GEN_AI_CACHE_READ = AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
    public static final AttributeKey<Long> GEN_AI_CACHE_WRITE = AttributeKey.longKey("gen_ai.usage.cache_write.input_tokens");
    public static final AttributeKey<Long> GEN_AI_REASONING = AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
    public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    /** {@code gen_ai.operation.name}: all three APIs are chat. */
    public static final String CHAT = "chat";
    /** The finish reason of a response that broke off. */
    public static final String FINISH_ERROR = "error";

    private InterceptionSpans() {
    }
}
