package io.aibridge.cli.text;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table: a header row, columns padded to their widest cell, two spaces apart; number
 * columns aligned right. One column may be marked elastic: it is cut so the table fits the width.
 */
public final class Table {

    private final List<String> headers = new ArrayList<>();
    private final List<Boolean> right = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();
    private int elastic = -1;

    public Table column(String header) {
        headers.add(header);
        right.add(false);
        return this;
    }

    /** A right-aligned (number) column. */
    public Table number(String header) {
        headers.add(header);
        right.add(true);
        return this;
    }

    /** A column that is shortened to make the table fit (the last prompt, for example). */
    public Table elastic(String header) {
        elastic = headers.size();
        return column(header);
    }

    public Table row(String... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("expected " + headers.size() + " cells, got " + cells.length);
        }
        String[] clean = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            clean[i] = Format.oneLine(cells[i]);
        }
        rows.add(clean);
        return this;
    }

    public boolean isEmpty() {
        return rows.isEmpty();
    }

    /** Prints the table within {@code width} characters (the elastic column gives way, down to 12). */
    public void print(PrintWriter out, int width) {
        int n = headers.size();
        int[] widths = new int[n];
        for (int i = 0; i < n; i++) {
            widths[i] = length(headers.get(i));
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], length(row[i]));
            }
        }
        if (elastic >= 0) {
            int others = 0;
            for (int i = 0; i < n; i++) {
                others += i == elastic ? 0 : widths[i] + 2;
            }
            widths[elastic] = Math.max(Math.max(12, length(headers.get(elastic))), Math.min(widths[elastic], width - others));
        }
        line(out, headers.toArray(String[]::new), widths);
        for (String[] row : rows) {
            line(out, row, widths);
        }
    }

    private void line(PrintWriter out, String[] cells, int[] widths) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            String cell = i == elastic ? Format.truncate(cells[i], widths[i]) : cells[i];
            int pad = widths[i] - length(cell);
            if (i > 0) {
                s.append("  ");
            }
            if (right.get(i)) {
                s.append(" ".repeat(pad)).append(cell);
            } else {
                s.append(cell);
                if (i < cells.length - 1) {
                    s.append(" ".repeat(pad));
                }
            }
        }
        out.println(s.toString().stripTrailing());
    }

    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }
}
