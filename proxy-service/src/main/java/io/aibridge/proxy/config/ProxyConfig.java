package io.aibridge.proxy.config;

import io.aibridge.telemetry.ShutdownSetting;
import io.aibridge.telemetry.WholeNumberSetting;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * proxy-service settings. The public names are {@code AIBRIDGE_*} environment variables, mapped
 * onto these keys in {@code application.properties} (the README lists them all). The port and the
 * shutdown settings are checked by their converters as the configuration is read, before the HTTP
 * server opens; the other ranges by {@link SettingsCheck}.
 */
@ConfigMapping(prefix = "proxy")
public interface ProxyConfig {

    /**
     * {@code AIBRIDGE_PROXY_PORT}: the HTTP port ({@code quarkus.http.port} is mapped onto this key).
     * From 1 to 65535: Quarkus would take 0 as "any free port", which no agent then finds, and a port
     * above 65535 failed inside Vert.x without naming the variable.
     */
    @WithDefault("8080")
    @WithConverter(HttpPort.class)
    int httpPort();

    /** Graceful shutdown ({@code quarkus.shutdown.*} is mapped onto these keys). */
    ShutdownSetting.Group shutdown();

    /** The OpenAI provider (Chat Completions and Responses). */
    Provider openai();

    /** The Anthropic provider (Messages). */
    Provider anthropic();

    /** GitHub Copilot: only where it is, as every caller brings their own Copilot token. */
    Copilot copilot();

    /**
     * {@code AIBRIDGE_BEDROCK_*}: when a region or a base URL is set, the built-in {@code anthropic}
     * instance calls Claude on AWS Bedrock instead of Anthropic's API.
     */
    Bedrock bedrock();

    /**
     * More provider instances, from {@code AIBRIDGE_PROVIDER_<N>_*} (see {@code upstream.Providers}):
     * each under its own route prefix, with its own base URL and key.
     */
    List<Instance> providers();

    /** Connections to the providers. */
    Upstream upstream();

    /** Publishing interception events to Kafka. */
    Events events();

    /** The proxy's Prometheus metrics. */
    Metrics metrics();

    /**
     * Largest request body accepted on a provider route; larger ones get 413. 32 MiB is
     * Anthropic's own request limit for Messages and holds a 200k-token context plus images.
     */
    @WithDefault("32M")
    MemorySize maxRequestBody();

    /**
     * How long an admitted request on a provider route has to send its whole body, counted from its
     * headers; one that is slower gets 408 in the provider's error JSON, its connection is closed and
     * its place ({@link #maxConcurrency()}) is given back. 0: no deadline.
     */
    @WithDefault("60s")
    Duration requestBodyTimeout();

    /**
     * Bring your own key: a caller that sends its bridge token in {@code X-Coder-AI-Governance-Token}
     * may use its own provider credential ({@code Authorization} / {@code X-Api-Key}) upstream.
     */
    @WithDefault("false")
    boolean allowByok();

    /**
     * Tell the provider who is calling: {@code X-AI-Bridge-Actor-ID} (user id) and
     * {@code X-AI-Bridge-Actor-Metadata-Username} on every upstream request. Client-sent
     * {@code X-AI-Bridge-Actor-*} headers are always removed, so they cannot be spoofed.
     */
    @WithDefault("false")
    boolean sendActorHeaders();

    /**
     * Requests on the provider routes (bridged and passthrough) this replica serves at once; one
     * more is refused at once with 503 in the provider's error JSON and {@code Retry-After}, which
     * the providers' SDKs retry. 0: no limit.
     */
    @WithDefault("0")
    int maxConcurrency();

    /**
     * Requests per second one caller may send to this replica (per authenticated API key, or per
     * client IP for a request without a valid one), with bursts of as many; one more gets 429 in the
     * provider's error JSON and {@code Retry-After}. 0: no limit.
     */
    @WithDefault("0")
    int rateLimit();

    /**
     * A started Anthropic stream that has relayed nothing for this long gets Anthropic's own
     * {@code ping} event, so that a load balancer's or an ingress's idle timeout does not cut a
     * long thought or a slow tool; OpenAI's streams get no keep-alive payload, as in the reference.
     * 0: none.
     */
    @WithDefault("10s")
    Duration streamKeepAlive();

    /** The circuit breakers per provider, endpoint and model ({@code AIBRIDGE_CIRCUIT_BREAKER_*}). */
    CircuitBreaker circuitBreaker();

    /** {@code AIBRIDGE_BOOTSTRAP_TOKEN}: accepted as the bootstrap admin's key when set. */
    Optional<String> bootstrapToken();

    /**
     * {@code AIBRIDGE_IDENTITY_SNAPSHOT_MAX_AGE}: the proxy keeps a copy of the identity topic in its
     * spool directory ({@code identity.snapshot}); a proxy started while Kafka does not answer uses
     * it if it was current this recently (how long the proxy may have been down: nobody can revoke a
     * key while Kafka is down). 0: no copy.
     */
    @WithDefault("24h")
    Duration identitySnapshotMaxAge();

    /** {@code AIBRIDGE_IDENTITY_SNAPSHOT_AFTER}: how long a start waits for Kafka before it uses the copy. */
    @WithDefault("5s")
    Duration identitySnapshotAfter();

    /** {@code AIBRIDGE_PROXY_PORT}: 1 to 65535. */
    final class HttpPort extends WholeNumberSetting {
        public HttpPort() {
            super("AIBRIDGE_PROXY_PORT", LEAST_PORT, GREATEST_PORT);
        }
    }

    /** One provider instance of {@code AIBRIDGE_PROVIDER_<N>_*}. */
    interface Instance {

        /** {@code openai}, {@code anthropic} or {@code copilot}. */
        String type();

        /** The route prefix and the {@code provider} label; the type when absent. */
        Optional<String> name();

        /** The provider key sent upstream. */
        Optional<String> key();

        /** Several provider keys, comma-separated, tried in order ({@code upstream.ProviderKeys}); not with {@link #key()}. */
        Optional<String> keys();

        /** The type's public API when absent. */
        Optional<String> baseUrl();

        /** {@code AIBRIDGE_PROVIDER_<N>_BEDROCK_*}: an {@code anthropic} instance that calls Claude on AWS Bedrock. */
        Bedrock bedrock();
    }

    /**
     * Claude on AWS Bedrock (the reference's Bedrock keys): callers keep speaking Anthropic's
     * Messages API; the proxy calls Bedrock Runtime, signed with AWS credentials. Unset unless a
     * region or a base URL is given.
     */
    interface Bedrock {

        /** The AWS region, e.g. {@code us-east-1}: Bedrock Runtime's endpoint is {@code bedrock-runtime.<region>.amazonaws.com}. */
        Optional<String> region();

        /** Another Bedrock Runtime endpoint (a VPC endpoint, a gateway); the region still names the signing scope. */
        Optional<String> baseUrl();

        /** The AWS access key id; without it, AWS's usual sources ({@code AWS_ACCESS_KEY_ID}, EKS Pod Identity, IRSA). */
        Optional<String> accessKey();

        /** The secret of {@link #accessKey()}. */
        Optional<String> accessKeySecret();

        /** The session token of temporary keys. */
        Optional<String> sessionToken();

        /** The Bedrock model id (or inference profile) requests are sent to. */
        Optional<String> model();

        /** The one requests for a model whose name contains {@code haiku} are sent to. */
        Optional<String> smallFastModel();
    }

    /** One upstream provider. */
    interface Provider {

        /** Base URL; the path after the provider prefix is appended to it. */
        String baseUrl();

        /** The company's provider key, sent upstream in place of the caller's bridge token. */
        Optional<String> key();

        /** Several provider keys, comma-separated, tried in order ({@code upstream.ProviderKeys}); not with {@link #key()}. */
        Optional<String> keys();
    }

    /** The built-in GitHub Copilot instance. */
    interface Copilot {

        /**
         * Copilot's API for individual plans; {@code https://api.business.githubcopilot.com} or
         * {@code https://api.enterprise.githubcopilot.com} for the others.
         */
        String baseUrl();
    }

    /**
     * The reference's circuit breaker: after {@code failureThreshold} answers in a row with 429, 503
     * or 504 (529 from Anthropic) for one provider, endpoint and model, requests for it are refused
     * with 503 for {@code timeout}, then {@code maxRequests} probes decide whether it closes again.
     */
    interface CircuitBreaker {

        /** Off by default, as in the reference. */
        @WithDefault("false")
        boolean enabled();

        /** Failures in a row that open a closed breaker. */
        @WithDefault("5")
        int failureThreshold();

        /** How often a closed breaker's count starts over; 0: never. */
        @WithDefault("10s")
        Duration interval();

        /** How long an open breaker refuses requests before it lets probes through. */
        @WithDefault("30s")
        Duration timeout();

        /** Requests let through while half-open; as many successes in a row close the breaker. */
        @WithDefault("3")
        int maxRequests();
    }

    /** HTTP client settings for provider calls. */
    interface Upstream {

        /** Time to establish a TCP (and TLS) connection. */
        @WithDefault("10s")
        Duration connectTimeout();

        /**
         * Longest silence from the provider, before the response starts or between two chunks,
         * after which the call fails with 504 (or a stream error once the stream started).
         */
        @WithDefault("600s")
        Duration idleTimeout();

        /** Pooled keep-alive connections per provider host, shared out evenly between the event loops. */
        @WithDefault("500")
        int maxConnections();

        /** How long an unused pooled connection is kept. */
        @WithDefault("60s")
        Duration keepAliveTimeout();

        /**
         * Further attempts at a bridged call whose provider could not be reached or answered 408,
         * 409, 429 or 5xx before anything reached the client, as the providers' SDKs (and so the
         * reference) retry; 0 = none.
         */
        @WithDefault("2")
        int maxRetries();
    }

    /** The Kafka producer behind the event publisher. */
    interface Events {

        /** Partitions of {@code aibridge.interceptions.v1} when the proxy creates it. */
        @WithDefault("6")
        int partitions();

        /** Replication factor when the proxy creates the topic; -1 takes the broker's default. */
        @WithDefault("-1")
        short replicationFactor();

        /** Events held in memory while waiting for Kafka; beyond that new events are dropped and counted. */
        @WithDefault("100000")
        int queueCapacity();

        /**
         * Largest record the producer sends (and {@code max.message.bytes} of the topic it creates).
         * A prompt can exceed 1 MB; records are compressed before this limit applies.
         */
        @WithDefault("16M")
        MemorySize maxRequestSize();

        /**
         * Producer compression: {@code snappy}, {@code lz4}, {@code zstd}, {@code gzip} or {@code none}.
         * Snappy by default: the proxy's batches are small (events keyed by interception spread
         * over the topic's partitions, a few per batch), and Kafka's lz4 writer allocates two 64 KB
         * buffers for every batch. At 500 requests/s that was three quarters of the proxy's
         * allocations (460 MB/s), and the young collections it caused set the p99 latency. Snappy
         * reuses its buffers (130 MB/s in all).
         */
        @WithDefault("snappy")
        String compression();

        /** How long the producer keeps retrying one record before it counts as failed. */
        @WithDefault("10m")
        Duration deliveryTimeout();

        /** How long shutdown waits for queued events to reach Kafka. */
        @WithDefault("30s")
        Duration drainTimeout();

        /**
         * Longest prompt, tool input or thought kept in an event, in characters; longer ones are cut
         * and flagged {@code truncated} (what a stream delivers over many events stops being kept there).
         */
        @WithDefault("4194304")
        int maxPromptChars();
    }

    /** The proxy's own metrics ({@code metrics.ProxyMetrics}). */
    interface Metrics {

        /**
         * Distinct values each caller-chosen label ({@code model}, the tool {@code name}) keeps; a
         * value first seen after that is reported as {@code other}.
         */
        @WithDefault("200")
        int maxLabelValues();
    }
}
