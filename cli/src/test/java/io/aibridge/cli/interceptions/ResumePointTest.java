package io.aibridge.cli.interceptions;

import io.aibridge.cli.CliException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading back where an interrupted export stopped, and cutting off what it half wrote. */
class ResumePointTest {

    static final String ID1 = "9c2d0000-0000-4000-8000-000000000001";
    static final String ID2 = "9c2d0000-0000-4000-8000-000000000002";
    static final String FILLER = ",".repeat(CsvRows.COLUMNS.size() - 2);

    @TempDir
    Path dir;

    @Test
    void aJsonLinesFileResumesAfterItsLastLine() throws IOException {
        Path f = write("a.jsonl", "{\"id\":\"" + ID1 + "\",\"started_at\":\"2026-03-02T10:00:01Z\"}\n"
                + "{\"id\":\"" + ID2 + "\",\"started_at\":\"2026-03-02T10:00:00.123456Z\"}\n");

        ResumePoint p = ResumePoint.read(f, ExportFormat.jsonl);

        assertThat(p).isEqualTo(new ResumePoint(2, ID2, Instant.parse("2026-03-02T10:00:00.123456Z"), true, 0));
    }

    @Test
    void anIncompleteLastLineIsCutOff() throws IOException {
        String whole = "{\"id\":\"" + ID1 + "\",\"started_at\":\"2026-03-02T10:00:01Z\"}\n";
        String half = "{\"id\":\"" + ID2 + "\",\"sta";
        Path f = write("b.jsonl", whole + half);

        ResumePoint p = ResumePoint.read(f, ExportFormat.jsonl);

        assertThat(p.rows()).isEqualTo(1);
        assertThat(p.lastId()).isEqualTo(ID1);
        assertThat(p.removedBytes()).isEqualTo(half.length());
        assertThat(Files.readString(f)).isEqualTo(whole);
    }

    @Test
    void anEmptyOrHalfWrittenFirstLineStartsOver() throws IOException {
        assertThat(ResumePoint.read(write("c.jsonl", ""), ExportFormat.jsonl)).isEqualTo(new ResumePoint(0, null, null, true, 0));
        assertThat(ResumePoint.read(write("d.csv", "id,start"), ExportFormat.csv)).isEqualTo(new ResumePoint(0, null, null, false, 8));
        assertThat(ResumePoint.read(write("e.csv", CsvRows.HEADER + "\r\n"), ExportFormat.csv)).isEqualTo(new ResumePoint(0, null, null, true, 0));
    }

    @Test
    void aCsvRecordEndsOnlyAtALineBreakOutsideQuotes() throws IOException {
        String header = CsvRows.HEADER + "\r\n";
        String r1 = ID1 + ",2026-03-02T10:00:01Z" + FILLER + "\r\n";
        // a prompt whose line breaks and quotes look like a record start when read naively
        String r2 = ID2 + ",2026-03-02T10:00:00Z" + FILLER + "\"x\r\n" + ID1 + ",\"\"2026\"\"\"\r\n";
        Path f = write("f.csv", header + r1 + r2 + ID1 + ",2026-03-01T00:00:00Z,\"half a record\n");

        ResumePoint p = ResumePoint.read(f, ExportFormat.csv);

        assertThat(p.rows()).isEqualTo(2);
        assertThat(p.lastId()).isEqualTo(ID2);
        assertThat(p.lastStartedAt()).isEqualTo(Instant.parse("2026-03-02T10:00:00Z"));
        assertThat(Files.readString(f)).isEqualTo(header + r1 + r2);
    }

    @Test
    void aFileOfAnotherFormatIsRefused() throws IOException {
        Path csv = write("g.csv", "not,our,header\r\n");
        Path json = write("h.jsonl", "hello\n");

        assertThatThrownBy(() -> ResumePoint.read(csv, ExportFormat.csv)).isInstanceOf(CliException.class)
                .hasMessageContaining("its first line is not the CSV header this command writes");
        assertThatThrownBy(() -> ResumePoint.read(json, ExportFormat.jsonl)).isInstanceOf(CliException.class)
                .hasMessageContaining("its last line is not JSON");
        assertThatThrownBy(() -> ResumePoint.read(write("i.jsonl", "{\"x\":1}\n"), ExportFormat.jsonl))
                .hasMessageContaining("not an interception with an id and started_at");
    }

    private Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return f;
    }
}
