package io.aibridge.proxy.injection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongBinaryOperator;

/**
 * Token usage summed over the rounds of a tool loop, field by field, in the provider's own shape:
 * every integer leaf of a {@code usage} object (nested ones by dotted path, e.g.
 * {@code prompt_tokens_details.cached_tokens}) is added up. The client's final usage is then
 * rewritten to these sums, so it reports what the whole interception cost.
 *
 * <p>The counters' names are the provider's, so an upstream chooses how many there are: at most
 * {@link #MAX_COUNTERS} are summed (the first in the provider's order), each named by a path of at
 * most {@link #MAX_PATH_CHARS} characters (a longer one is left out, not cut). A counter left out
 * reaches the client as the provider reported it. {@link #mergeLast} keeps to the same bounds.
 */
final class UsageTotals {

    /** The most counters summed, and kept by {@link #mergeLast}: real usages have a dozen or so. */
    static final int MAX_COUNTERS = 64;
    /** The longest counter path ({@code prompt_tokens_details.cached_tokens}) summed or merged. */
    static final int MAX_PATH_CHARS = 256;

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
            if (path.length() > MAX_PATH_CHARS) {
                continue;
            }
            if (value.isIntegralNumber()) {
                if (sums.size() < MAX_COUNTERS || sums.containsKey(path)) {
                    sums.merge(path, value.asLong(), Long::sum);
                }
            } else if (value.isObject()) {
                add(path + ".", value);
            }
        }
    }

    /** Sets every integer leaf of the usage object to its sum over the rounds. */
    void apply(ObjectNode usage) {
        rewrite("", usage, (value, sum) -> sum);
    }

    /**
     * Adds to every integer leaf of a usage of the round in progress (not yet {@link #add added}) its
     * sum over the earlier rounds.
     */
    void addEarlierRounds(ObjectNode usage) {
        rewrite("", usage, Long::sum);
    }

    /** Replaces every integer leaf that has a sum by {@code with(leaf, sum)}. */
    private void rewrite(String prefix, ObjectNode node, LongBinaryOperator with) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix + e.getKey();
            if (e.getValue().isIntegralNumber()) {
                Long sum = sums.get(path);
                if (sum != null) {
                    node.put(e.getKey(), with.applyAsLong(e.getValue().asLong(), sum));
                }
            } else if (e.getValue().isObject()) {
                rewrite(path + ".", (ObjectNode) e.getValue(), with);
            }
        }
    }

    /**
     * Gives the usage object, as 0, every counter an earlier round reported and it lacks (absent or
     * null), so that {@link #addEarlierRounds} then shows that counter's sum.
     */
    void addMissing(ObjectNode usage) {
        for (String path : sums.keySet()) {
            ObjectNode parent = usage;
            String[] parts = path.split("\\.");
            for (int i = 0; i < parts.length - 1 && parent != null; i++) {
                JsonNode child = parent.get(parts[i]);
                parent = child == null || child.isNull() ? parent.putObject(parts[i]) : child instanceof ObjectNode o ? o : null;
            }
            String leaf = parts[parts.length - 1];
            if (parent != null && (!parent.has(leaf) || parent.get(leaf).isNull())) {
                parent.put(leaf, 0L);
            }
        }
    }

    /**
     * Merges one usage report of a response into {@code into}: each integer leaf (nested ones
     * included) replaces the value there; nulls and other values are ignored. Applied to
     * {@code message_start}'s usage and then to each cumulative {@code message_delta} usage, it gives
     * the response's final usage: the last value of each counter, {@code message_start}'s where no
     * delta has one (the rule {@code MessagesObserver} records by). A counter new to {@code into}
     * is added while it has fewer than {@link #MAX_COUNTERS} and its path has at most
     * {@link #MAX_PATH_CHARS} characters: a stream of many reports, each naming other counters,
     * cannot make it grow without a bound.
     */
    static void mergeLast(ObjectNode into, JsonNode usage) {
        int[] room = {MAX_COUNTERS - counters(into)};
        mergeLast(into, "", usage, room);
    }

    private static void mergeLast(ObjectNode into, String prefix, JsonNode usage, int[] room) {
        if (usage == null || !usage.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = usage.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String path = prefix + e.getKey();
            JsonNode value = e.getValue();
            if (path.length() > MAX_PATH_CHARS) {
                continue;
            }
            JsonNode existing = into.get(e.getKey());
            if (value.isIntegralNumber()) {
                if (existing != null && existing.isIntegralNumber()) {
                    into.put(e.getKey(), value.asLong());
                } else if (room[0] > 0) {
                    into.put(e.getKey(), value.asLong());
                    room[0]--;
                }
            } else if (value.isObject()) {
                if (existing instanceof ObjectNode o) {
                    mergeLast(o, path + ".", value, room);
                } else {
                    ObjectNode added = into.objectNode();
                    mergeLast(added, path + ".", value, room);
                    if (!added.isEmpty()) {
                        into.set(e.getKey(), added); // an object of no kept counter is not kept either
                    }
                }
            }
        }
    }

    /** The integer leaves of a usage object, nested ones included. */
    private static int counters(JsonNode node) {
        int n = 0;
        for (JsonNode value : node) {
            n += value.isIntegralNumber() ? 1 : value.isObject() ? counters(value) : 0;
        }
        return n;
    }

    long get(String path) {
        return sums.getOrDefault(path, 0L);
    }
}
