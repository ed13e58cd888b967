package io.aibridge.system.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.system.stack.QueryApi;
import io.aibridge.system.stack.SystemStack;
import io.aibridge.system.traffic.Expected.Tokens;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The exact count check through the query API: every request sent is one interception (same id),
 * none is missing, none is extra or twice, each has its expected end status, and the token sums are
 * exactly what the clients were told.
 */
public final class Verify {

    private Verify() {
    }

    /** Waits (up to {@code timeout}) until the user's interceptions are all visible, then checks them; returns them by id. */
    public static Map<UUID, JsonNode> exactly(SystemStack stack, String scenario, String username, List<Expected> expected,
                                              Duration timeout) {
        Map<UUID, Expected> byId = new LinkedHashMap<>();
        for (Expected e : expected) {
            assertThat(byId.put(e.id(), e)).as("the proxy gave interception id %s to two requests", e.id()).isNull();
        }
        QueryApi api = stack.api();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (visible(api, username) < byId.size() && System.nanoTime() < deadline) {
            sleep(500);
        }
        sleep(1000); // anything extra still on its way shows up now
        List<JsonNode> found = api.interceptions(username);
        Map<UUID, JsonNode> foundById = new HashMap<>();
        for (JsonNode i : found) {
            assertThat(foundById.put(UUID.fromString(i.path("id").asText()), i)).as("interception %s listed twice", i.path("id")).isNull();
        }
        Set<UUID> missing = new HashSet<>(byId.keySet());
        missing.removeAll(foundById.keySet());
        Set<UUID> extra = new HashSet<>(foundById.keySet());
        extra.removeAll(byId.keySet());
        assertThat(missing).as("%s: requests sent whose interception is missing (%d sent, %d found)", scenario, byId.size(), found.size())
                .isEmpty();
        assertThat(extra).as("%s: interceptions nobody sent", scenario).isEmpty();
        assertThat(api.count(username)).as("%s: the API's count", scenario).isEqualTo(byId.size());

        Tokens expectedSum = Tokens.NONE;
        Tokens foundSum = Tokens.NONE;
        for (Expected e : byId.values()) {
            JsonNode i = foundById.get(e.id());
            assertThat(i.path("end_status").asText()).as("%s: end status of %s (%s)", scenario, e.id(), e.kind()).isEqualTo(e.status());
            Tokens t = tokens(i);
            if (e.tokens() != null) {
                assertThat(t).as("%s: token usage of %s (%s)", scenario, e.id(), e.kind()).isEqualTo(e.tokens());
                expectedSum = expectedSum.plus(e.tokens());
                foundSum = foundSum.plus(t);
            }
        }
        assertThat(foundSum).isEqualTo(expectedSum);
        stack.totals().sent(byId.size());
        stack.totals().found(found.size());
        SystemStack.log("%s: %d requests sent, %d interceptions found (same ids, none twice), token sums equal (%s)", scenario,
                byId.size(), found.size(), foundSum);
        return foundById;
    }

    /** The count the API gives, or -1 while it cannot answer (its database is coming back). */
    private static long visible(QueryApi api, String username) {
        try {
            return api.count(username);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The sums of an interception's token usages. */
    public static Tokens tokens(JsonNode interception) {
        Tokens t = Tokens.NONE;
        for (JsonNode u : interception.path("token_usages")) {
            t = t.plus(new Tokens(u.path("input_tokens").asLong(), u.path("output_tokens").asLong(),
                    u.path("cache_read_input_tokens").asLong(), u.path("cache_write_input_tokens").asLong()));
        }
        return t;
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
