package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Token usage summed over the rounds of a tool loop, field by field, in the provider's own shape:
 * every integer leaf of a {@code usage} object (nested ones by dotted path, e.g.
 * {@code prompt_tokens_details.cached_tokens}) is added up. The client's final usage is then
 * rewritten to these sums, so it reports what the whole interception cost.
 */
final class UsageTotals {

    private final Map<String, Long> sums = new LinkedHashMap<>();

    /** Adds one round's final usage. */
    void add(JsonNode usage) {
        add("", usage);
    }

    private void add(String prefix, JsonNode node) {
        if (node == null || !node.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix + e.getKey();
            JsonNode value = e.getValue();
            if (value.isIntegralNumber()) {
                sums.merge(path, value.asLong(), Long::sum);
            } else if (value.isObject()) {
                add(path + ".", value);
            }
        }
    }

    /** Sets every integer leaf of the usage object to its sum over the rounds. */
    void apply(ObjectNode usage) {
        apply("", usage);
    }

    private void apply(String prefix, ObjectNode node) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix + e.getKey();
            if (e.getValue().isIntegralNumber() && sums.containsKey(path)) {
                node.put(e.getKey(), sums.get(path));
            } else if (e.getValue().isObject()) {
                apply(path + ".", (ObjectNode) e.getValue());
            }
        }
    }

    /**
     * Adds to every integer leaf of a usage of the round in progress (not yet {@link #add added}) its
     * sum over the earlier rounds.
     */
    void addEarlierRounds(ObjectNode usage) {
        addEarlierRounds("", usage);
    }

    private void addEarlierRounds(String prefix, ObjectNode node) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix + e.getKey();
            if (e.getValue().isIntegralNumber()) {
                Long earlier = sums.get(path);
                if (earlier != null) {
                    node.put(e.getKey(), e.getValue().asLong() + earlier);
                }
            } else if (e.getValue().isObject()) {
                addEarlierRounds(path + ".", (ObjectNode) e.getValue());
            }
        }
    }

    /** Adds a top-level counter the usage object lacks, when some round reported it. */
    void addMissing(ObjectNode usage, String field) {
        if (!usage.has(field) && sums.containsKey(field)) {
            usage.put(field, sums.get(field));
        }
    }

    long get(String path) {
        return sums.getOrDefault(path, 0L);
    }
}
