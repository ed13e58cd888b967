package io.aibridge.bench.load;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The load generator against a small local server: one target's run, and two targets interleaved
 * on one schedule. What the server saw is the proof: how many requests of each target arrived, when,
 * and with which session ids.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoadGeneratorTest {

    /** One request as the server saw it: its path, its session header, when it arrived. */
    private record Arrival(String path, String session, long nanos) {
    }

    private final Queue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    private Vertx vertx;
    private HttpServer server;

    @BeforeAll
    void startServer() throws Exception {
        vertx = Vertx.vertx();
        server = vertx.createHttpServer().requestHandler(request -> {
            arrivals.add(new Arrival(request.path(), request.getHeader("x-session"), System.nanoTime()));
            request.response().putHeader("content-type", "text/plain").end("answer for " + request.path().substring(1));
        }).listen(0).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    void stopServer() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private LoadTarget target(String name) {
        return new LoadTarget(name, "http://127.0.0.1:" + server.actualPort() + "/" + name, Map.of(), "{}".getBytes(StandardCharsets.UTF_8),
                "x-session", name + "-", 4, 0);
    }

    @Test
    void aSingleTargetGetsItsRateForWarmUpAndWindowAndCountsOnlyTheWindow() throws Exception {
        arrivals.clear();
        try (LoadGenerator generator = new LoadGenerator(64)) {
            LoadResult result = generator.run(target("alone"), 40, Duration.ofMillis(250), Duration.ofSeconds(1));
            assertThat(result.sentAll()).isEqualTo(50);
            assertThat(result.sent()).isEqualTo(40);
            assertThat(result.ok()).isEqualTo(40);
            assertThat(result.errorCount()).isZero();
            assertThat(result.latency().getTotalCount()).isEqualTo(40);
        }
        assertThat(arrivals).hasSize(50).allSatisfy(a -> assertThat(a.path()).isEqualTo("/alone"));
    }

    @Test
    void interleavedTargetsEachGetTheFullRateInTheSameWindow() throws Exception {
        arrivals.clear();
        List<LoadResult> results;
        try (LoadGenerator generator = new LoadGenerator(64)) {
            results = generator.runInterleaved(List.of(target("first"), target("second")), 40, Duration.ofMillis(250), Duration.ofSeconds(1));
        }
        assertThat(results).extracting(LoadResult::target).containsExactly("first", "second");
        for (LoadResult result : results) {
            assertThat(result.rate()).isEqualTo(40);
            assertThat(result.sentAll()).isEqualTo(50);
            assertThat(result.ok()).isEqualTo(40);
            assertThat(result.errorCount()).isZero();
            assertThat(result.ttfb().getTotalCount()).isEqualTo(40);
        }
        List<Arrival> first = arrivals.stream().filter(a -> a.path().equals("/first")).toList();
        List<Arrival> second = arrivals.stream().filter(a -> a.path().equals("/second")).toList();
        assertThat(first).hasSize(50);
        assertThat(second).hasSize(50);
        // each target's i-th request is its i-th slot: its session ids cycle over the four values on its own
        assertThat(first.stream().map(Arrival::session).distinct().sorted()).containsExactly("first-0", "first-1", "first-2", "first-3");
        assertThat(second.stream().filter(a -> a.session().equals("second-0")).count()).isBetween(12L, 13L);
        // one window, not one after the other: the two targets' arrivals span nearly the same time
        long firstStart = first.stream().mapToLong(Arrival::nanos).min().orElseThrow();
        long firstEnd = first.stream().mapToLong(Arrival::nanos).max().orElseThrow();
        long secondStart = second.stream().mapToLong(Arrival::nanos).min().orElseThrow();
        long secondEnd = second.stream().mapToLong(Arrival::nanos).max().orElseThrow();
        long overlap = Math.min(firstEnd, secondEnd) - Math.max(firstStart, secondStart);
        assertThat((double) overlap / (firstEnd - firstStart)).isGreaterThan(0.8);
    }
}
