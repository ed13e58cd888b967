package io.aibridge.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URL;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hundreds of malformed and odd request bodies per API, made from a fixture's request by a seeded
 * generator (set {@code -Dfuzz.seed=N} to replay another run): values of any JSON type at any
 * place, truncated and corrupted JSON, invalid UTF-8, duplicate keys, deep nesting, huge numbers.
 * The proxy answers every one: never a 5xx of its own, every refusal in the provider's error JSON,
 * every interception it started ended in Kafka, and it still serves a plain request afterwards.
 * What the fake provider makes of what the proxy forwarded (it answers what it can parse with its
 * default scenario) only matters in that the relay survives it.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class RequestFuzzTest {

    private static final int CASES_PER_API = 120;
    private static final long SEED = Long.getLong("fuzz.seed", 20261203L);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TestHTTPResource("/")
    URL proxyUrl;

    @AfterAll
    static void stopTail() {
        EventTail.closeAll();
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void everyMalformedOrOddBodyGetsAnAnswerInTheProvidersShapeAndEveryStartedInterceptionEnds(Api api) throws Exception {
        Random random = new Random(SEED + api.ordinal());
        List<UUID> started = new ArrayList<>();
        Map<String, Integer> statuses = new java.util.TreeMap<>();
        for (int i = 0; i < CASES_PER_API; i++) {
            byte[] body = mutated(api, random);
            String shown = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
            HttpResponse<String> response = post(api, body);
            int status = response.statusCode();
            statuses.merge(String.valueOf(status), 1, Integer::sum);
            assertThat(status).as("case %d (seed %d), body %s; answer %s", i, SEED, shown, response.body()).isLessThan(500);
            if (status >= 400) {
                assertProviderShapedError(api, response, "case " + i + " (seed " + SEED + "), body " + shown);
            }
            response.headers().firstValue(ProxyClient.INTERCEPTION_HEADER).map(UUID::fromString).ifPresent(started::add);
        }
        // every interception the proxy started also ended, whatever the provider made of the request
        EventTail.of(bootstrapServers).awaitAllEnded(started, Duration.ofSeconds(30));
        assertThat(statuses).as("the mix of answers (%d interceptions started)", started.size()).containsKeys("200", "400");
        HttpResponse<String> plain = post(api, Fixture.load(api, "text").request(false).toString().getBytes(StandardCharsets.UTF_8));
        assertThat(plain.statusCode()).as("a plain request after the fuzzing").isEqualTo(200);
    }

    private HttpResponse<String> post(Api api, byte[] body) throws Exception {
        return new ProxyClient(proxyUrl.toString()).postBytes(api, body);
    }

    private static void assertProviderShapedError(Api api, HttpResponse<String> response, String what) {
        assertThat(response.headers().firstValue("content-type")).as(what).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode body = ProxyClient.json(response.body());
        if (api == Api.ANTHROPIC_MESSAGES) {
            assertThat(body.path("type").asText()).as(what).isEqualTo("error");
            assertThat(body.path("error").path("type").asText()).as(what).isNotBlank();
            assertThat(body.path("error").path("message").asText()).as(what).isNotBlank();
        } else {
            assertThat(body.path("error").path("message").asText()).as(what).isNotBlank();
            assertThat(body.path("error").path("type").asText()).as(what).isNotBlank();
        }
        assertThat(response.body()).as(what).doesNotContain("Exception", "\tat ");
    }

    // ---------------------------------------------------------------------------------------------
    // The generator
    // ---------------------------------------------------------------------------------------------

    private static byte[] mutated(Api api, Random random) throws Exception {
        ObjectNode request = Fixture.load(api, "text").request(random.nextBoolean());
        return switch (random.nextInt(10)) {
            case 0, 1, 2, 3 -> {
                for (int n = 1 + random.nextInt(3); n > 0; n--) {
                    replaceSomewhere(request, random);
                }
                yield JSON.writeValueAsBytes(request);
            }
            case 4 -> {
                removeSomewhere(request, random);
                yield JSON.writeValueAsBytes(request);
            }
            case 5 -> truncated(JSON.writeValueAsBytes(request), random);
            case 6 -> corrupted(JSON.writeValueAsBytes(request), random);
            case 7 -> {
                byte[] json = JSON.writeValueAsBytes(request);
                yield GarbageProvider.withInvalidUtf8(json, 1 + random.nextInt(json.length - 1), random);
            }
            case 8 -> withDuplicateKey(JSON.writeValueAsBytes(request), random);
            default -> pathological(api, random);
        };
    }

    /** Replaces a random value anywhere in the tree (the model and stream flag often) with one of any type. */
    private static void replaceSomewhere(ObjectNode root, Random random) {
        if (random.nextInt(4) == 0) {
            if (random.nextBoolean()) {
                root.set("model", oddModel(random));
            } else {
                root.set("stream", anyValue(random, 0));
            }
            return;
        }
        JsonNode container = randomContainer(root, random);
        if (container instanceof ObjectNode object && object.size() > 0) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            String name = names.get(random.nextInt(names.size()));
            object.set(name, container == root && name.equals("model") ? oddModel(random) : anyValue(random, 0));
        } else if (container instanceof ArrayNode array && array.size() > 0) {
            array.set(random.nextInt(array.size()), anyValue(random, 0));
        } else if (container instanceof ObjectNode object) {
            object.set("x" + random.nextInt(100), anyValue(random, 0));
        }
    }

    /**
     * A model of another type, or a name the proxy must refuse or take. Few distinct names: the
     * model is a metric label, and the test JVM's registry outlives this class's boot.
     */
    private static JsonNode oddModel(Random random) {
        return switch (random.nextInt(9)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.numberNode(7);
            case 2 -> NODES.arrayNode().add("claude-sonnet-4-5");
            case 3 -> NODES.objectNode().put("id", "gpt-4o-mini");
            case 4 -> NODES.textNode("");
            case 5 -> NODES.textNode("m".repeat(257));
            case 6 -> NODES.textNode("gpt-4o\u0007mini");
            case 7 -> NODES.textNode("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude@v2");
            default -> NODES.textNode("модель-\uD83D\uDE80");
        };
    }

    private static void removeSomewhere(ObjectNode root, Random random) {
        JsonNode container = randomContainer(root, random);
        if (container instanceof ObjectNode object && object.size() > 0) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            object.remove(names.get(random.nextInt(names.size())));
        } else if (container instanceof ArrayNode array && array.size() > 0) {
            array.remove(random.nextInt(array.size()));
        }
    }

    /** A uniformly chosen object or array of the tree, the root included. */
    private static JsonNode randomContainer(JsonNode root, Random random) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        return containers.get(random.nextInt(containers.size()));
    }

    private static void collect(JsonNode node, List<JsonNode> into) {
        if (node.isContainerNode()) {
            into.add(node);
            for (Iterator<JsonNode> children = node.elements(); children.hasNext(); ) {
                collect(children.next(), into);
            }
        }
    }

    private static JsonNode anyValue(Random random, int depth) {
        int kinds = depth > 2 ? 11 : 14;
        return switch (random.nextInt(kinds)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextInt(2001) - 1000);
            case 3 -> NODES.numberNode(random.nextLong());
            case 4 -> NODES.numberNode(random.nextDouble() * 1e300);
            case 5 -> NODES.numberNode(new java.math.BigInteger("123456789012345678901234567890123456789"));
            case 6 -> NODES.textNode("");
            case 7 -> NODES.textNode("x".repeat(1 + random.nextInt(20_000)));
            case 8 -> NODES.textNode("emoji \uD83D\uDE80, a lone half \uD800, NUL \u0000, RTL \u202E, [scenario:no-such]");
            case 9 -> NODES.textNode("user_abc_account_x_session_" + "s".repeat(random.nextInt(400)));
            case 10 -> NODES.textNode("{\"session_id\":" + random.nextInt() + "}");
            case 11 -> NODES.arrayNode();
            case 12 -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(anyValue(random, depth + 1));
                }
                yield array;
            }
            default -> {
                ObjectNode object = NODES.objectNode();
                for (String name : List.of("role", "content", "type", "text", "name", "id", "input", "usage")) {
                    if (random.nextInt(3) == 0) {
                        object.set(name, anyValue(random, depth + 1));
                    }
                }
                yield object;
            }
        };
    }

    private static byte[] truncated(byte[] json, Random random) {
        return java.util.Arrays.copyOf(json, random.nextInt(json.length));
    }

    private static byte[] corrupted(byte[] json, Random random) {
        byte[] out = json.clone();
        byte[] noise = "{}[]\",:\\ ".getBytes(StandardCharsets.US_ASCII);
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
            out[random.nextInt(out.length)] = noise[random.nextInt(noise.length)];
        }
        return out;
    }

    /** The same key twice at the top level, the second of another type: {@code ..., "model": 7}. */
    private static byte[] withDuplicateKey(byte[] json, Random random) {
        String text = new String(json, StandardCharsets.UTF_8);
        String key = List.of("model", "stream", "messages", "input", "metadata").get(random.nextInt(5));
        String value = List.of("7", "null", "\"other-model\"", "true", "[]", "{}").get(random.nextInt(6));
        return (text.substring(0, text.length() - 1) + ",\"" + key + "\":" + value + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] pathological(Api api, Random random) {
        String model = api == Api.ANTHROPIC_MESSAGES ? "claude-sonnet-4-5" : "gpt-4o-mini";
        String list = api == Api.OPENAI_RESPONSES ? "input" : "messages";
        return (switch (random.nextInt(6)) {
            case 0 -> { // nesting far beyond any real request
                int depth = 2_000 + random.nextInt(20_000);
                yield "{\"model\":\"" + model + "\",\"" + list + "\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
            }
            case 1 -> "{\"model\":\"" + model + "\",\"max_tokens\":1e999999,\"" + list + "\":[]}";
            case 2 -> "{\"model\":\"" + model + "\",\"" + list + "\":[" + "{},".repeat(50_000) + "{}]}";
            case 3 -> "{\"model\":\"" + model + "\",\"" + "k".repeat(100_000) + "\":1}";
            case 4 -> "{\"model\":\"" + model + "\",\"stream\":true,\"" + list + "\":[{\"role\":\"user\",\"content\":\"\\ud800\\udc00\\ud800\"}]}";
            default -> "{\"model\":\"" + model + "\"}" + " ".repeat(random.nextInt(10)) + "{}";
        }).getBytes(StandardCharsets.UTF_8);
    }
}
