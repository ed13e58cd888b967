package io.aibridge.proxy.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Anthropic Messages request made into the body Bedrock's {@code InvokeModel} takes, as
 * Anthropic's SDKs do for Bedrock and the reference adds to it: no {@code model} and no
 * {@code stream} (both are in the URL), {@code anthropic_version} {@value #ANTHROPIC_VERSION}, the
 * {@code Anthropic-Beta} header's flags in {@code anthropic_beta} (only those Bedrock accepts, and
 * the model-gated ones only for their models), and without the members Bedrock refuses
 * ({@code metadata}, {@code service_tier}, {@code container}, {@code inference_geo}, and
 * {@code output_config} / {@code context_management} without their beta flag). Adaptive thinking is
 * turned into thinking with a budget for the models that do not know it.
 */
public final class BedrockRequest {

    public static final String ANTHROPIC_VERSION = "bedrock-2023-05-31";

    /** The flags Bedrock accepts; any other makes it answer 400 "invalid beta flag". */
    static final Set<String> SUPPORTED_BETAS = Set.of("computer-use-2025-01-24", "token-efficient-tools-2025-02-19",
            "interleaved-thinking-2025-05-14", "output-128k-2025-02-19", "dev-full-thinking-2025-05-14", "context-1m-2025-08-07",
            "context-management-2025-06-27", "effort-2025-11-24", "tool-search-tool-2025-10-19", "tool-examples-2025-10-29");

    /** Members of Anthropic's request that Bedrock's schema does not have ("Extra inputs are not permitted"). */
    static final List<String> UNSUPPORTED = List.of("model", "stream", "metadata", "service_tier", "container", "inference_geo");

    /** Members Bedrock takes only with a beta flag, and that flag. */
    static final Map<String, String> BETA_GATED = Map.of("output_config", "effort-2025-11-24",
            "context_management", "context-management-2025-06-27");

    /** A cross-region inference profile's id: a geography ({@code us}, {@code eu}, {@code apac}, {@code global}, {@code us-gov}...) before the model's. */
    private static final Pattern INFERENCE_PROFILE = Pattern.compile("[a-z]{2,6}(?:-[a-z]+)?\\.(anthropic\\..+)");

    private static final ObjectMapper JSON = new ObjectMapper();

    private BedrockRequest() {
    }

    /**
     * The beta flags of the {@code Anthropic-Beta} header values (each may list several,
     * comma-separated, as Claude Code sends them) that Bedrock accepts for this model, in order,
     * without repeats.
     */
    public static List<String> betas(List<String> headerValues, String bedrockModel) {
        List<String> keep = new ArrayList<>();
        for (String value : headerValues) {
            for (String flag : value.split(",")) {
                String f = flag.trim();
                if (SUPPORTED_BETAS.contains(f) && supportedBy(f, bedrockModel) && !keep.contains(f)) {
                    keep.add(f);
                }
            }
        }
        return keep;
    }

    /** Flags Bedrock offers only on some models: effort on Opus 4.5, context management on Sonnet and Haiku 4.5. */
    private static boolean supportedBy(String flag, String model) {
        return switch (flag) {
            case "effort-2025-11-24" -> model.contains("anthropic.claude-opus-4-5");
            case "context-management-2025-06-27" -> model.contains("anthropic.claude-sonnet-4-5")
                    || model.contains("anthropic.claude-haiku-4-5");
            default -> true;
        };
    }

    /** The body for Bedrock, from the client's parsed request (which is not changed). */
    public static byte[] body(ObjectNode request, List<String> betas, String bedrockModel) {
        ObjectNode out = request.deepCopy();
        if (!supportsAdaptiveThinking(bedrockModel)) {
            adaptiveToBudget(out); // before output_config (the effort) may go
        }
        UNSUPPORTED.forEach(out::remove);
        BETA_GATED.forEach((member, flag) -> {
            if (!betas.contains(flag)) {
                out.remove(member);
            }
        });
        if (!out.path("anthropic_version").isTextual()) {
            out.put("anthropic_version", ANTHROPIC_VERSION);
        }
        if (!betas.isEmpty()) {
            ArrayNode list = out.putArray("anthropic_beta");
            betas.forEach(list::add);
        }
        try {
            return JSON.writeValueAsBytes(out);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write a parsed request back", e);
        }
    }

    /**
     * The body of Bedrock's {@code CountTokens} for an Anthropic {@code count_tokens} request: the
     * {@code InvokeModel} body the same messages would be sent with ({@link #body}), base64 in
     * {@code {"input":{"invokeModel":{"body":...}}}}. Anthropic's count has no {@code max_tokens},
     * which Bedrock's Messages schema requires: the smallest valid one is added (one more than a
     * thinking budget), which changes no input token.
     */
    public static byte[] countTokensBody(ObjectNode request, List<String> betas, String bedrockModel) {
        ObjectNode counted = request;
        if (!request.has("max_tokens")) {
            counted = request.deepCopy();
            counted.put("max_tokens", request.path("thinking").path("budget_tokens").asLong(0) + 1);
        }
        ObjectNode wrapped = JSON.createObjectNode();
        wrapped.putObject("input").putObject("invokeModel").put("body", body(counted, betas, bedrockModel));
        try {
            return JSON.writeValueAsBytes(wrapped);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write a count request", e);
        }
    }

    /**
     * Bedrock's {@code CountTokens} answer, {@code {"inputTokens": n}}, as Anthropic's
     * {@code {"input_tokens": n}}; null when it is not that.
     */
    public static byte[] countTokensAnswer(byte[] bedrockAnswer) {
        try {
            JsonNode tokens = JSON.readTree(bedrockAnswer).path("inputTokens");
            return tokens.canConvertToLong() ? ("{\"input_tokens\":" + tokens.asLong() + "}").getBytes(StandardCharsets.UTF_8) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The foundation model a cross-region inference profile's id names ({@code us.anthropic.claude-...}
     * → {@code anthropic.claude-...}); any other id (a foundation model's, an ARN) as it is.
     */
    public static String foundationModel(String modelId) {
        Matcher profile = INFERENCE_PROFILE.matcher(modelId);
        return profile.matches() ? profile.group(1) : modelId;
    }

    /** The Claude 4.6 models (and later Opus) take {@code thinking.type = adaptive}; older ones refuse it on Bedrock. */
    static boolean supportsAdaptiveThinking(String model) {
        return model.contains("anthropic.claude-opus-4-6") || model.contains("anthropic.claude-sonnet-4-6")
                || model.contains("anthropic.claude-opus-4-7");
    }

    /**
     * {@code thinking: {type: adaptive}} as {@code {type: enabled, budget_tokens}}: a share of
     * {@code max_tokens} by the requested effort (low 20 %, medium 50 %, high or none 80 %, max
     * 95 %), or thinking disabled when that is under Anthropic's minimum budget of 1,024 tokens.
     */
    static void adaptiveToBudget(ObjectNode body) {
        JsonNode thinking = body.get("thinking");
        if (thinking == null || !"adaptive".equals(thinking.path("type").asText())) {
            return;
        }
        long maxTokens = body.path("max_tokens").asLong(0);
        double share = switch (body.path("output_config").path("effort").asText("high")) {
            case "low" -> 0.2;
            case "medium" -> 0.5;
            case "max" -> 0.95;
            default -> 0.8;
        };
        long budget = (long) (maxTokens * share);
        Map<String, Object> replacement = new LinkedHashMap<>();
        if (budget < 1024) {
            replacement.put("type", "disabled");
        } else {
            replacement.put("type", "enabled");
            replacement.put("budget_tokens", budget);
        }
        body.set("thinking", JSON.valueToTree(replacement));
    }
}
