package io.aibridge.query.usage;

import io.aibridge.query.user.InitiatorView;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;

/** Usage totals per group over a time range: the data behind a leaderboard. */
@Schema(name = "UsageReport", description = "Token and request totals per user, model, client or provider")
public record UsageReport(
        @Schema(description = "user, model, client or provider") String groupBy,
        @Schema(description = "The groups' order: the field sorted on, descending") String orderBy,
        @Schema(description = "Start of the range, when given") Instant startedAfter,
        @Schema(description = "End of the range, when given") Instant startedBefore,
        @Schema(description = "Number of groups, ignoring limit") long count,
        @Schema(description = "Totals over every matching interception, all groups together") Totals totals,
        @Schema(description = "The groups, largest first, at most limit of them") List<Group> groups) {

    @Schema(name = "UsageTotals", description = "Sums over a set of interceptions")
    public record Totals(
            @Schema(description = "Uncached input tokens") long inputTokens,
            long outputTokens,
            long cacheReadInputTokens,
            long cacheWriteInputTokens,
            @Schema(description = "input + output + cache read + cache write") long totalTokens,
            @Schema(description = "Interceptions (requests)") long interceptions,
            @Schema(description = "Distinct sessions the interceptions belong to") long sessions) {
    }

    @Schema(name = "UsageGroup", description = "One group's totals")
    public record Group(
            @Schema(description = "The user id, model, client or provider type") String key,
            @Schema(description = "The user, when grouped by user") InitiatorView user,
            long inputTokens, long outputTokens, long cacheReadInputTokens, long cacheWriteInputTokens,
            long totalTokens, long interceptions, long sessions) {
    }
}
