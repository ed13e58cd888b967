package io.aibridge.cli.interceptions;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.CliException;
import io.aibridge.cli.json.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Where an interrupted export stopped: the last complete record of the file, read back, and how
 * many records it holds. An incomplete last record (the process was killed mid-write) is cut off,
 * so the file ends at a record boundary before anything is appended. The file is scanned once from
 * the start, because a CSV field may hold line breaks: only a line break outside quotes ends a
 * record (measured: 250 to 300 MB a second, see ExportBenchmark).
 *
 * @param rows            complete interception records in the file
 * @param lastId          id of the last one, null when there is none
 * @param lastStartedAt   its {@code started_at}, null when there is none
 * @param headerWritten   the CSV header is in the file (always true for JSON Lines)
 * @param removedBytes    bytes of an incomplete last record that were cut off
 */
record ResumePoint(long rows, String lastId, Instant lastStartedAt, boolean headerWritten, long removedBytes) {

    /** Reads (and repairs) {@code file}, written by an earlier export in {@code format}. */
    static ResumePoint read(Path file, ExportFormat format) throws IOException {
        boolean csv = format == ExportFormat.csv;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = channel.size();
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            byte[] bytes = buffer.array();
            boolean quoted = false;
            long records = 0;
            long firstEnd = -1;
            long lastEnd = 0;
            long lastStart = 0;
            long offset = 0;
            int n;
            while ((n = channel.read(buffer, offset)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = bytes[i];
                    if (b == '"' && csv) {
                        quoted = !quoted;
                    } else if (b == '\n' && !quoted) {
                        lastStart = lastEnd;
                        lastEnd = offset + i + 1;
                        records++;
                        if (firstEnd < 0) {
                            firstEnd = lastEnd;
                        }
                    }
                }
                offset += n;
                buffer.clear();
            }
            long removed = size - lastEnd;
            if (removed > 0) {
                channel.truncate(lastEnd);
                channel.force(true);
            }
            if (records == 0) {
                return new ResumePoint(0, null, null, !csv, removed);
            }
            if (csv && !HEADER_LINE.equals(text(channel, 0, firstEnd))) {
                throw cannotResume(file, "its first line is not the CSV header this command writes (" + shorten(text(channel, 0, firstEnd)) + ")");
            }
            long rows = csv ? records - 1 : records;
            if (rows == 0) {
                return new ResumePoint(0, null, null, true, removed);
            }
            String last = text(channel, lastStart, lastEnd);
            return csv ? fromCsv(file, last, rows, removed) : fromJson(file, last, rows, removed);
        }
    }

    private static final String HEADER_LINE = CsvRows.HEADER;

    private static ResumePoint fromCsv(Path file, String record, long rows, long removed) {
        List<String> fields = CsvRows.parse(record);
        if (fields.size() != CsvRows.COLUMNS.size()) {
            throw cannotResume(file, "its last record has " + fields.size() + " fields, not " + CsvRows.COLUMNS.size());
        }
        return new ResumePoint(rows, fields.get(0), instant(file, fields.get(1)), true, removed);
    }

    private static ResumePoint fromJson(Path file, String line, long rows, long removed) {
        JsonNode json;
        try {
            json = Json.MAPPER.readTree(line);
        } catch (IOException e) {
            throw cannotResume(file, "its last line is not JSON (" + shorten(line) + ")");
        }
        if (json == null || !json.path("id").isTextual() || !json.path("started_at").isTextual()) {
            throw cannotResume(file, "its last line is not an interception with an id and started_at (" + shorten(line) + ")");
        }
        return new ResumePoint(rows, json.get("id").asText(), instant(file, json.get("started_at").asText()), true, removed);
    }

    private static Instant instant(Path file, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw cannotResume(file, "the started_at of its last record is not a time: \"" + shorten(value) + "\"");
        }
    }

    private static String text(FileChannel channel, long from, long to) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(to - from));
        while (bytes.hasRemaining() && channel.read(bytes, from + bytes.position()) > 0) {
            // read until full
        }
        String s = new String(bytes.array(), 0, bytes.position(), StandardCharsets.UTF_8);
        return s.endsWith("\r\n") ? s.substring(0, s.length() - 2) : s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    private static CliException cannotResume(Path file, String why) {
        return CliException.usage("cannot resume " + file + ": " + why + "; is it an export in this --format?");
    }
}
