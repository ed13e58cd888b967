package io.aibridge.proxy.auth;

import io.aibridge.events.CredentialKind;
import io.aibridge.identity.Authentication;
import io.aibridge.proxy.bedrock.AwsCredentials;
import io.aibridge.proxy.config.ProxyConfig;
import io.aibridge.proxy.route.ProviderErrors;
import io.aibridge.proxy.route.ProviderInstance;
import io.aibridge.proxy.route.ProviderType;
import io.aibridge.proxy.upstream.ProviderKeys;
import io.aibridge.proxy.upstream.UpstreamCredential;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Who is calling and which credential goes upstream. Centralized mode (the default): the bridge
 * token is in {@code Authorization: Bearer}, {@code X-Api-Key} or {@code Coder-Session-Token} and
 * the configured provider key is sent. BYOK mode ({@code AIBRIDGE_ALLOW_BYOK=true}): the bridge
 * token is in {@code X-Coder-AI-Governance-Token} and the caller's own provider credential is sent.
 * GitHub Copilot is always called the BYOK way, with the caller's Copilot token from
 * {@code Authorization: Bearer}; a Copilot request without both is refused before it is recorded.
 * An instance on AWS Bedrock is always called with AI Bridge's AWS credentials: BYOK is refused there.
 */
@ApplicationScoped
public class CallerCredentials {

    /** What authenticating a request found: the {@link Caller}, or the {@link Refusal} to answer. */
    public sealed interface Outcome permits Caller, Refusal {
    }

    /**
     * The authenticated caller and the upstream credential.
     *
     * @param credential the credential of the first attempt (its kind and hint are recorded)
     * @param keys       the configured keys this request walks when it is sent with them; {@link ProviderKeys.Walk#NONE}
     *                   when it carries the caller's own credential or goes to Bedrock
     */
    public record Caller(Authentication authentication, UpstreamCredential credential, ProviderKeys.Walk keys) implements Outcome {

        /**
         * This caller once the request's model is known (as recorded), before its first attempt: the
         * configured keys start with one not set aside for that model after a 403, and the credential
         * is that key's ({@link ProviderKeys.Walk#forModel}). A caller's own credential stays.
         */
        public Caller forModel(String model) {
            if (keys == ProviderKeys.Walk.NONE) {
                return this;
            }
            keys.forModel(model);
            return new Caller(authentication, keys.credential(), keys);
        }
    }

    /**
     * A caller turned away: 401/403, or 503 with {@code Retry-After} while the keys are still being loaded.
     *
     * @param retryAfterSeconds 0: no {@code Retry-After}
     */
    public record Refusal(int status, String message, String openAiCode, int retryAfterSeconds) implements Outcome {

        /** Answers it in the provider's error JSON. */
        public void send(HttpServerResponse response, ProviderType provider) {
            if (retryAfterSeconds > 0) {
                ProviderErrors.sendRetryLater(response, provider, status, retryAfterSeconds, message, openAiCode);
            } else {
                ProviderErrors.send(response, provider, status, message, openAiCode);
            }
        }
    }

    /** What a Copilot request lacks when it does not carry both tokens (the reference answers 500; it is the caller's to fix). */
    static final String COPILOT_NEEDS_BOTH = "GitHub Copilot through AI Bridge needs two tokens: your AI Bridge key in "
            + UpstreamCredential.GOVERNANCE_HEADER + " and your GitHub Copilot token in Authorization: Bearer";
    private static final Refusal COPILOT_WITHOUT_BOTH = new Refusal(401, COPILOT_NEEDS_BOTH, "invalid_api_key", 0);
    private static final Refusal COPILOT_WITHOUT_BYOK = new Refusal(403, "GitHub Copilot through AI Bridge needs Bring Your Own Key "
            + "(BYOK) mode, which is not enabled. Ask an administrator to set AIBRIDGE_ALLOW_BYOK=true.", "byok_disabled", 0);
    private static final Refusal BYOK_DISABLED = new Refusal(403, "Bring Your Own Key (BYOK) mode is not enabled. "
            + "Ask an administrator to set AIBRIDGE_ALLOW_BYOK=true, or send your AI Bridge key as the API key.", "byok_disabled", 0);
    // a starting proxy has not read every key yet: "try again" (SDKs and agents retry a 503), never "your key is invalid"
    private static final Refusal IDENTITY_LOADING = new Refusal(503,
            "AI Bridge is starting and has not loaded its API keys yet; retry in a moment", "identity_loading", 1);

    private final IdentityService identity;
    private final boolean allowByok;

    public CallerCredentials(IdentityService identity, ProxyConfig config) {
        this.identity = identity;
        this.allowByok = config.allowByok();
    }

    /**
     * Authenticates the request from its headers alone (no body needed) and picks the upstream
     * credential: the caller, or why it is refused. Nothing is answered here.
     */
    public Outcome authenticate(HttpServerRequest request, ProviderInstance instance) {
        ProviderType provider = instance.type();
        String governance = request.getHeader(UpstreamCredential.GOVERNANCE_HEADER);
        boolean byok = governance != null && !governance.isBlank();
        if (provider == ProviderType.COPILOT && (!byok || !allowByok)) {
            // Copilot is always called with the caller's own token, so the bridge token has to travel beside it
            return allowByok ? COPILOT_WITHOUT_BOTH : COPILOT_WITHOUT_BYOK;
        }
        if (byok && instance.isBedrock()) {
            return new Refusal(403, "Bring Your Own Key (BYOK) is not possible on " + instance.name()
                    + ": it calls Claude on AWS Bedrock with AI Bridge's AWS credentials. Send your AI Bridge key as the API key "
                    + "instead of " + UpstreamCredential.GOVERNANCE_HEADER + ".", "byok_not_supported", 0);
        }
        if (byok && !allowByok) {
            return BYOK_DISABLED;
        }
        Authentication auth = byok ? identity.authenticateToken(governance) : identity.authenticate(request::getHeader);
        if (!auth.authenticated() && !identity.ready() && (byok || identity.hasToken(request::getHeader))) {
            return IDENTITY_LOADING;
        }
        if (!auth.authenticated()) {
            return new Refusal(401, "AI Bridge: " + auth.failure(), "invalid_api_key", 0);
        }
        ProviderKeys.Walk keys = ProviderKeys.Walk.NONE;
        UpstreamCredential credential = instance.isBedrock() ? bedrockCredential(instance)
                : byok ? UpstreamCredential.byok(provider, request.headers()) : null;
        if (credential == null) {
            keys = instance.keys().walk();
            credential = keys.credential();
        }
        if (provider == ProviderType.COPILOT && credential.kind() != CredentialKind.BYOK) {
            return COPILOT_WITHOUT_BOTH;
        }
        return new Caller(auth, credential, keys);
    }

    /** The hint of a Bedrock instance's current AWS credentials (none yet: the request is refused before it goes out). */
    private static UpstreamCredential bedrockCredential(ProviderInstance instance) {
        AwsCredentials current = instance.bedrock().credentials().current();
        return UpstreamCredential.aws(current == null ? null : current.accessKeyId());
    }
}
