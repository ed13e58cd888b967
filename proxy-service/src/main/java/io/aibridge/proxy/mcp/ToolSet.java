package io.aibridge.proxy.mcp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The tools injected into one request, sorted by id (a stable order keeps prompt caches valid),
 * each with the session that runs it. The request holds the users' own sessions among them until
 * {@link #release()}: they are not closed while its loop may still call their tools.
 */
public final class ToolSet {

    /** One tool and the MCP session that serves it (shared, or the user's own). */
    public record Entry(InjectedTool tool, McpServerConnection connection) {
    }

    public static final ToolSet EMPTY = new ToolSet(List.of());

    private final List<Entry> entries;
    private final Map<String, Entry> byId = new HashMap<>();
    private final AtomicReference<Runnable> release;

    ToolSet(List<Entry> unsorted) {
        this(unsorted, null);
    }

    /** @param release lets go of the sessions the request holds; null when it holds none */
    ToolSet(List<Entry> unsorted, Runnable release) {
        this.release = new AtomicReference<>(release);
        List<Entry> sorted = new ArrayList<>(unsorted);
        sorted.sort(Comparator.comparing(e -> e.tool().id()));
        this.entries = List.copyOf(sorted);
        for (Entry e : entries) {
            byId.putIfAbsent(e.tool().id(), e);
        }
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The tools in injection order. */
    public List<InjectedTool> tools() {
        return entries.stream().map(Entry::tool).toList();
    }

    /** The entry of an injected tool id, or null when the name is not one of ours. */
    public Entry get(String id) {
        return id == null ? null : byId.get(id);
    }

    public boolean contains(String id) {
        return get(id) != null;
    }

    /** The request is done with these tools (its interception ended); only the first call counts. */
    public void release() {
        Runnable r = release.getAndSet(null);
        if (r != null) {
            r.run();
        }
    }
}
