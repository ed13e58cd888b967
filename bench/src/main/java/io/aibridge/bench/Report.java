package io.aibridge.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one benchmark produced: its tables, the notes under them (load, what was missed and why),
 * and the raw numbers for the JSON file.
 */
public final class Report {

    private final String name;
    private final Instant started = Instant.now();
    private final double[] loadBefore = Machine.loadAverage();
    private final List<Table> tables = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Object> data = new LinkedHashMap<>();
    private Instant ended;
    private double[] loadAfter;

    public Report(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public Report table(Table table) {
        tables.add(table);
        return this;
    }

    public Report note(String note) {
        notes.add(note);
        return this;
    }

    /** A raw value for the JSON file (numbers, strings, lists and maps of them). */
    public Report data(String key, Object value) {
        data.put(key, value);
        return this;
    }

    public List<Table> tables() {
        return tables;
    }

    public List<String> notes() {
        return notes;
    }

    public Report finish() {
        if (ended == null) {
            ended = Instant.now();
            loadAfter = Machine.loadAverage();
        }
        return this;
    }

    /** The tables and notes as Markdown, with the machine's load while it ran. */
    public String toMarkdown() {
        finish();
        StringBuilder out = new StringBuilder();
        for (Table table : tables) {
            out.append(table.toMarkdown()).append('\n');
        }
        for (String note : notes) {
            out.append("- ").append(note).append('\n');
        }
        out.append(String.format(java.util.Locale.ROOT, "- load average (1 min) %.2f before, %.2f after; %s to %s%n",
                loadBefore[0], loadAfter[0], started, ended));
        return out.toString();
    }

    public Map<String, Object> toMap(Machine machine, Map<String, Object> options) {
        finish();
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("benchmark", name);
        map.put("machine", machine.toMap());
        map.put("started_at", started.toString());
        map.put("ended_at", ended.toString());
        map.put("load_average_before", loadBefore);
        map.put("load_average_after", loadAfter);
        map.put("options", options);
        List<Map<String, Object>> tableMaps = new ArrayList<>();
        tables.forEach(t -> tableMaps.add(t.toMap()));
        map.put("tables", tableMaps);
        map.put("notes", notes);
        map.put("data", data);
        return map;
    }
}
