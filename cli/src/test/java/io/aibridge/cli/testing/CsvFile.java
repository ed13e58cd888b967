package io.aibridge.cli.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * A small RFC 4180 reader for checking exports, written apart from the exporter's own code: records
 * of fields, quoted fields may hold commas, quotes ({@code ""}) and line breaks; records end with
 * CRLF (or LF) outside quotes.
 */
public final class CsvFile {

    private CsvFile() {
    }

    /** Every record of {@code text}, header included. */
    public static List<List<String>> parse(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            any = true;
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                // CRLF: the \n ends the record
            } else if (c == '\n') {
                record.add(field.toString());
                field.setLength(0);
                records.add(record);
                record = new ArrayList<>();
                any = false;
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unterminated quoted field");
        }
        if (any) {
            record.add(field.toString());
            records.add(record);
        }
        return records;
    }

    /** The character offsets just after each record's line break. */
    public static List<Integer> recordEnds(String text) {
        List<Integer> ends = new ArrayList<>();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '\n' && !quoted) {
                ends.add(i + 1);
            }
        }
        return ends;
    }
}
