package io.aibridge.proxy.auth;

import io.aibridge.proxy.FakeProviderTestResource;
import io.aibridge.proxy.ProxyClient;
import io.aibridge.proxy.UnreachableKafkaTestResource;
import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * A proxy restarted while Kafka is down (an OOM kill or a rolling update during an outage): it
 * finds the copy of the identity topic its predecessor left in the spool directory, becomes ready,
 * and the keys it knew keep working, revoked ones staying revoked (issue: "known keys keep working
 * while Kafka is down").
 */
@QuarkusTest
@WithTestResource(LeftIdentitySnapshotTestResource.class)
@WithTestResource(UnreachableKafkaTestResource.class)
@WithTestResource(value = FakeProviderTestResource.class,
        initArgs = @ResourceArg(name = "proxy.spool.dir", value = LeftIdentitySnapshotTestResource.DIR))
class IdentitySnapshotAtStartTest {

    @TestHTTPResource("/")
    URL proxyUrl;

    @Test
    void knownKeysWorkFromTheCopyWhenKafkaDoesNotAnswer() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'identity' }.data.from_snapshot", equalTo(true)));

        ProxyClient proxy = new ProxyClient(proxyUrl.toString());
        String request = Fixture.load(Api.ANTHROPIC_MESSAGES, "text").request(false).toString();
        HttpResponse<String> kept = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request,
                "x-api-key", LeftIdentitySnapshotTestResource.KEPT.token());
        assertThat(kept.statusCode()).isEqualTo(200);

        HttpResponse<String> revoked = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request,
                "x-api-key", LeftIdentitySnapshotTestResource.REVOKED.token());
        assertThat(revoked.statusCode()).isEqualTo(401);
        HttpResponse<String> unknown = proxy.post(ProxyClient.path(Api.ANTHROPIC_MESSAGES), request,
                "x-api-key", "aib_unknownkey1_secret");
        assertThat(unknown.statusCode()).as("unknown as of the copy, not 'still loading'").isEqualTo(401);
    }
}
