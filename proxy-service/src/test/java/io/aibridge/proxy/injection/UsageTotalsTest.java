package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aibridge.proxy.interception.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A tool loop's usage sums and merges: the provider names the counters, so their number and names are bounded. */
class UsageTotalsTest {

    @Test
    void atMostSixtyFourCountersAreSummedTheFirstInTheProvidersOrderAndOverLongPathsAreLeftOut() {
        ObjectNode usage = Json.MAPPER.createObjectNode().put("x".repeat(257), 5);
        usage.putObject("details").put("y".repeat(250), 7); // "details." + 250 characters: over 256
        for (int i = 0; i < 100; i++) {
            usage.put("c" + i, i);
        }
        UsageTotals totals = new UsageTotals();
        totals.add(usage);
        totals.add(usage);

        assertThat(totals.get("c0")).isZero();
        assertThat(totals.get("c1")).isEqualTo(2);
        assertThat(totals.get("c63")).isEqualTo(126);
        assertThat(totals.get("c64")).as("the 65th counter").isZero();
        assertThat(totals.get("x".repeat(257))).isZero();
        assertThat(totals.get("details." + "y".repeat(250))).isZero();

        ObjectNode shown = usage.deepCopy();
        totals.apply(shown);
        assertThat(shown.path("c63").asLong()).isEqualTo(126);
        assertThat(shown.path("c99").asLong()).as("left out: as the provider reported it").isEqualTo(99);
    }

    @Test
    void mergingManyReportsEachNamingOtherCountersKeepsSixtyFourAndStillUpdatesThem() {
        ObjectNode into = Json.MAPPER.createObjectNode();
        UsageTotals.mergeLast(into, Json.MAPPER.createObjectNode().put("input_tokens", 10).put("output_tokens", 1));
        for (int i = 0; i < 1000; i++) {
            ObjectNode report = Json.MAPPER.createObjectNode().put("output_tokens", i);
            report.putObject("details").put("d" + i, i);
            UsageTotals.mergeLast(into, report);
        }
        UsageTotals.mergeLast(into, Json.MAPPER.createObjectNode().put("z".repeat(300), 1));

        assertThat(into.path("input_tokens").asLong()).isEqualTo(10);
        assertThat(into.path("output_tokens").asLong()).as("a kept counter is still updated").isEqualTo(999);
        assertThat(into.path("details").size()).isEqualTo(62);
        assertThat(into.path("details").has("d0")).isTrue();
        assertThat(into.path("details").has("d62")).isFalse();
        assertThat(into.has("z".repeat(300))).isFalse();
    }
}
