package io.aibridge.proxy;

import io.aibridge.events.EndStatus;
import io.aibridge.events.InterceptionEnded;
import io.aibridge.testing.KafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider that answers with damaged fixtures ({@link GarbageProvider}: frames dropped, repeated,
 * swapped, cut, noisy, invalid UTF-8, bodies shorter than announced, unfinished chunking, a wrong
 * content type, a status line that is no HTTP), streaming and blocking, for every API: the client
 * always gets an answer (the provider's status as sent; a 502 in the provider's error JSON when
 * there was no HTTP to relay, or an answer cut short before anything reached the client; a cut
 * connection when the provider's own body was cut after something had), every interception ends
 * in Kafka as completed or failed, and
 * the proxy still relays a clean answer afterwards. Seeds from {@code -Dfuzz.seed=N}.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class, initArgs = {
        @ResourceArg(name = "garbage", value = "true"),
        @ResourceArg(name = "proxy.openai.base-url", value = "{garbage}/v1/"),
        @ResourceArg(name = "proxy.anthropic.base-url", value = "{garbage}/")})
class UpstreamFuzzTest {

    private static final int CASES_PER_API = 100;
    private static final long SEED = Long.getLong("fuzz.seed", 20261203L);

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
    void everyDamagedAnswerReachesTheClientAndEndsItsInterception(Api api) throws Exception {
        Random seeds = new Random(SEED + 31L * api.ordinal());
        Map<UUID, Case> cases = new LinkedHashMap<>();
        for (int i = 0; i < CASES_PER_API; i++) {
            String seed = String.valueOf(seeds.nextInt(Integer.MAX_VALUE));
            boolean stream = seeds.nextBoolean();
            String what = api + " case " + i + " stream=" + stream + " model fuzz-" + seed;

            HttpResponse<String> response = post(api, "fuzz-" + seed, stream);

            GarbageProvider.Sent sent = FakeProviderTestResource.garbage().sent(seed);
            assertThat(sent).as("%s: the provider was asked", what).isNotNull();
            if (response == null) {
                // relayed as it came: a body cut short of its own length reaches the client cut short
                assertThat(sent.validHead() && !sent.whole()).as("%s: the client got no whole answer", what).isTrue();
            } else if (sent.validHead() && sent.whole()) {
                assertThat(response.statusCode()).as("%s: the provider's status, relayed", what).isEqualTo(sent.status());
            } else if (sent.validHead()) {
                // cut short: relayed as far as it came, or a 502 when nothing had reached the client yet
                assertThat(response.statusCode()).as("%s: answer %s", what, response.body()).isIn(sent.status(), 502);
            } else {
                assertThat(response.statusCode()).as("%s: no HTTP from the provider; answer %s", what, response.body()).isEqualTo(502);
                assertThat(ProxyClient.json(response.body()).path("error").path("message").asText()).as(what).isNotBlank();
            }
            UUID id = response != null ? UUID.fromString(response.headers().firstValue(ProxyClient.INTERCEPTION_HEADER).orElseThrow(
                    () -> new AssertionError(what + ": no interception id")))
                    : EventTail.of(bootstrapServers).awaitStart(start -> ("fuzz-" + seed).equals(start.model()), Duration.ofSeconds(20));
            cases.put(id, new Case(what, sent));
        }
        // every interception ended, as completed or failed
        Map<UUID, InterceptionEnded> ended = EventTail.of(bootstrapServers).awaitAllEnded(cases.keySet(), Duration.ofSeconds(30));
        Map<String, Integer> endings = new TreeMap<>();
        cases.forEach((id, fuzzed) -> {
            assertThat(ended.get(id).status()).as(fuzzed.what()).isIn(EndStatus.COMPLETED, EndStatus.FAILED);
            endings.merge(ended.get(id).status() + "/" + (fuzzed.sent().validHead() ? fuzzed.sent().status() : "no-http"), 1, Integer::sum);
        });
        assertThat(endings).as("the mix of endings").containsKeys(EndStatus.COMPLETED + "/200", EndStatus.FAILED + "/200");

        HttpResponse<String> clean = post(api, "fuzz-clean", false);
        assertThat(clean.statusCode()).as("a clean answer after the fuzzing").isEqualTo(200);
        UUID cleanId = UUID.fromString(clean.headers().firstValue(ProxyClient.INTERCEPTION_HEADER).orElseThrow());
        assertThat(EventTail.of(bootstrapServers).awaitAllEnded(List.of(cleanId), Duration.ofSeconds(20)).get(cleanId).status())
                .isEqualTo(EndStatus.COMPLETED);
    }

    /** One damaged answer: how the test names it, and what the provider sent. */
    private record Case(String what, GarbageProvider.Sent sent) {
    }

    /** The proxy's answer; null when the connection ended before a whole one arrived. */
    private HttpResponse<String> post(Api api, String model, boolean stream) throws Exception {
        var request = Fixture.load(api, "text").request(stream);
        request.put("model", model);
        try {
            return new ProxyClient(proxyUrl.toString()).postBytes(api, request.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            return null; // the answer was cut off (the caller checks that the provider's was)
        }
    }
}
