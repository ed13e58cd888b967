package io.aibridge.system;

import io.aibridge.system.stack.QueryApi;
import io.aibridge.system.stack.SystemStack;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Users made through query-service's admin API, and how the proxy learns them from the identity topic. */
final class Users {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Users() {
    }

    /** The proxy's answer to this key on a passthrough route (authenticated, never recorded). */
    static int proxyStatus(SystemStack stack, String token) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(stack.proxy().baseUrl() + "/api/v2/aibridge/anthropic/v1/models"))
                    .header("x-api-key", token).header("anthropic-version", "2023-06-01").timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits until the proxy accepts the user's key (it reads keys from the identity topic). */
    static void awaitAcceptedByProxy(SystemStack stack, QueryApi.User user) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int status;
        while ((status = proxyStatus(stack, user.token())) != 200) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the proxy did not accept the new key of " + user.username() + " within 30 s (last status "
                        + status + ")");
            }
            sleep(100);
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
