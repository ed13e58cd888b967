package io.aibridge.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A results table, printed as Markdown (so that it can be pasted into a README as it is) and kept
 * in the JSON file as a list of rows keyed by column.
 */
public final class Table {

    private final String title;
    private final List<String> columns;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(String title, String... columns) {
        this.title = title;
        this.columns = List.of(columns);
    }

    public Table row(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException("expected " + columns.size() + " cells, got " + cells.length + ": " + Arrays.toString(cells));
        }
        List<String> row = new ArrayList<>(cells.length);
        for (Object cell : cells) {
            row.add(cell == null ? "" : cell.toString());
        }
        rows.add(row);
        return this;
    }

    public String title() {
        return title;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    public List<String> columns() {
        return columns;
    }

    /** The rows as printed, each with one cell per column. */
    public List<List<String>> rows() {
        return Collections.unmodifiableList(rows);
    }

    /** The table in Markdown, title in bold above it, columns padded for reading in a terminal. */
    public String toMarkdown() {
        int[] width = new int[columns.size()];
        for (int c = 0; c < columns.size(); c++) {
            width[c] = Math.max(3, columns.get(c).length());
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        out.append("**").append(title).append("**\n\n");
        line(out, columns, width);
        out.append('|');
        for (int c = 0; c < columns.size(); c++) {
            out.append(c == 0 ? "-".repeat(width[c] + 2) : "-".repeat(width[c] + 1) + ":").append('|');
        }
        out.append('\n');
        for (List<String> row : rows) {
            line(out, row, width);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells, int[] width) {
        out.append('|');
        for (int c = 0; c < cells.size(); c++) {
            String cell = cells.get(c);
            out.append(' ');
            if (c == 0) {
                out.append(cell).append(" ".repeat(width[c] - cell.length()));
            } else {
                out.append(" ".repeat(width[c] - cell.length())).append(cell);
            }
            out.append(" |");
        }
        out.append('\n');
    }

    public Map<String, Object> toMap() {
        List<Map<String, String>> list = new ArrayList<>();
        for (List<String> row : rows) {
            Map<String, String> map = new LinkedHashMap<>();
            for (int c = 0; c < columns.size(); c++) {
                map.put(columns.get(c), row.get(c));
            }
            list.add(map);
        }
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("title", title);
        map.put("rows", list);
        return map;
    }

    // ---------------------------------------------------------------- cell formats

    /** Milliseconds with one decimal below 100 and none above ("0.4", "12.3", "250"). */
    public static String ms(double millis) {
        if (Double.isNaN(millis)) {
            return "–";
        }
        return Math.abs(millis) < 100 ? String.format(Locale.ROOT, "%.1f", millis) : String.format(Locale.ROOT, "%.0f", millis);
    }

    /** A signed difference in milliseconds ("+0.4", "-1.2"). */
    public static String deltaMs(double millis) {
        if (Double.isNaN(millis)) {
            return "–";
        }
        String s = ms(millis);
        return millis >= 0 ? "+" + s : s;
    }

    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    public static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f %%", fraction * 100);
    }

    public static String fixed(double value, int decimals) {
        return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
