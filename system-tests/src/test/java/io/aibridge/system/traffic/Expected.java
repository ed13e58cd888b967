package io.aibridge.system.traffic;

import java.util.UUID;

/**
 * What one request sent must have become: one interception with this id, this end status and,
 * when known, exactly these token sums (as the client itself was told them by the SDK).
 *
 * @param tokens null when the exact usage cannot be known by the client (failures, hang-ups)
 */
public record Expected(UUID id, String kind, String status, Tokens tokens) {

    /** Token sums in the API's terms: uncached input, output, cache reads, cache writes. */
    public record Tokens(long input, long output, long cacheRead, long cacheWrite) {

        public static final Tokens NONE = new Tokens(0, 0, 0, 0);

        public Tokens plus(Tokens o) {
            return new Tokens(input + o.input, output + o.output, cacheRead + o.cacheRead, cacheWrite + o.cacheWrite);
        }

        @Override
        public String toString() {
            return "in=" + input + " out=" + output + " cache_read=" + cacheRead + " cache_write=" + cacheWrite;
        }
    }

    public static Expected completed(String id, String kind, Tokens tokens) {
        return new Expected(UUID.fromString(id), kind, "completed", tokens);
    }
}
