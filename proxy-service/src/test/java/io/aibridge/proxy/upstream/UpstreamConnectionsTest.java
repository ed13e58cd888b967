package io.aibridge.proxy.upstream;

import io.aibridge.proxy.FakeProviderTestResource;
import io.aibridge.proxy.route.Providers;
import io.aibridge.testing.KafkaTestResource;
import io.netty.channel.EventLoop;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.impl.ContextInternal;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.impl.ConnectionBase;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider call stays on the event loop of the request that makes it: the pooled connection it
 * gets was opened by, and lives on, the caller's loop, so no byte of the exchange changes threads.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@WithTestResource(FakeProviderTestResource.class)
class UpstreamConnectionsTest {

    @Inject
    UpstreamClient upstream;
    @Inject
    Vertx vertx;
    @Inject
    Providers providers;

    @Test
    void everyCallGetsAConnectionOfItsOwnEventLoop() throws Exception {
        // contexts are spread over the event loops in turn
        List<ContextInternal> callers = IntStream.range(0, 8).mapToObj(i -> ((VertxInternal) vertx).createEventLoopContext()).toList();
        assertThat(callers.stream().map(ContextInternal::nettyEventLoop).distinct().count()).isGreaterThan(1);

        // one call after the other: each leaves an idle connection that the next caller, on
        // another loop, must not be handed
        for (int round = 0; round < 3; round++) {
            for (ContextInternal caller : callers) {
                assertThat(connectionLoopOfACallFrom(caller)).isSameAs(caller.nettyEventLoop());
            }
        }
    }

    private EventLoop connectionLoopOfACallFrom(ContextInternal caller) throws Exception {
        CompletableFuture<EventLoop> loop = new CompletableFuture<>();
        caller.runOnContext(v -> upstream.request(HttpMethod.GET, providers.named("anthropic").url("v1/models", null),
                        MultiMap.caseInsensitiveMultiMap())
                .compose(request -> {
                    EventLoop connectionLoop = ((ConnectionBase) request.connection()).channel().eventLoop();
                    return request.send().compose(response -> response.body()).map(body -> connectionLoop);
                })
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        loop.complete(ar.result());
                    } else {
                        loop.completeExceptionally(ar.cause());
                    }
                }));
        return loop.get(10, TimeUnit.SECONDS);
    }
}
