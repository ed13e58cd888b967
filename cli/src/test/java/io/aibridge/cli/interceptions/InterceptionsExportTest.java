package io.aibridge.cli.interceptions;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.json.Json;
import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.CsvFile;
import io.aibridge.cli.testing.RecordedRows.Interception;
import io.aibridge.cli.testing.World;
import io.aibridge.cli.testing.WorldExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code aibridge interceptions export} against a running query-service: {@link World#EXPORT_ROWS}
 * interceptions, more than two pages of the largest page the API serves.
 */
@ExtendWith(WorldExtension.class)
class InterceptionsExportTest {

    static World world;
    static Cli admin;
    static List<String> expectedIds;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp(World w) {
        world = w;
        admin = w.admin;
        expectedIds = ids(w.exported);
    }

    @Test
    void exportsEveryMatchingInterceptionExactlyOnceAsJsonLinesAcrossPages() throws IOException {
        Path file = dir.resolve("all.jsonl");

        Cli.Result r = admin.ok("interceptions", "export", "--model", World.EXPORT_MODEL, "--output", file.toString());

        List<JsonNode> rows = jsonLines(file);
        assertThat(rows).hasSize(World.EXPORT_ROWS);
        assertThat(idsOf(rows)).containsExactlyElementsOf(expectedIds);
        assertThat(new HashSet<>(idsOf(rows))).hasSize(World.EXPORT_ROWS);
        // each line is the interception as the API returns it
        JsonNode first = rows.get(0);
        assertThat(first.path("initiator").path("username").asText()).isEqualTo("bob");
        assertThat(first.path("token_usages")).hasSize(1);
        assertThat(first.path("user_prompts").get(0).path("prompt").asText()).isEqualTo("prompt 0, with \"quotes\",\nline breaks\r\nand ünïcödé ✓");
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isEqualTo("Exported 2,345 interceptions to " + file + r.stderr().substring(r.stderr().indexOf(" in ")));
    }

    @Test
    void exportsToStdoutPageByPageWhenNoFileIsGiven() {
        Cli.Result r = admin.ok("interceptions", "export", "--initiator", "alice", "--page-size", "3");

        List<String> ids = new ArrayList<>();
        r.stdout().lines().forEach(line -> ids.add(json(line).get("id").asText()));
        assertThat(ids).containsExactly(world.c1.id.toString(), world.a3.id.toString(), world.a2.id.toString(), world.a1.id.toString());
        assertThat(r.stdout()).endsWith("}\n");
        assertThat(r.stderr()).startsWith("Exported 4 interceptions in ");
    }

    @Test
    void exportsCsvWithAHeaderAndOneFlatRecordPerInterception() throws IOException {
        Path file = dir.resolve("all.csv");

        admin.ok("interceptions", "export", "--model", World.EXPORT_MODEL, "--output", file.toString());

        List<List<String>> records = CsvFile.parse(Files.readString(file, StandardCharsets.UTF_8));
        assertThat(records.get(0)).containsExactly("id", "started_at", "ended_at", "initiator_id", "initiator_username",
                "provider", "provider_name", "model", "client", "session_id", "thread_root_id", "thread_parent_id", "api_key_id",
                "credential_kind", "credential_hint", "streaming", "end_status", "http_status", "duration_ms",
                "time_to_first_byte_ms", "error_type", "error_message", "input_tokens", "output_tokens",
                "cache_read_input_tokens", "cache_write_input_tokens", "total_tokens", "prompt", "tool_calls", "user_agent");
        List<List<String>> rows = records.subList(1, records.size());
        assertThat(rows).hasSize(World.EXPORT_ROWS).allSatisfy(row -> assertThat(row).hasSize(30));
        assertThat(rows.stream().map(row -> row.get(0)).toList()).containsExactlyElementsOf(expectedIds);
        // row 0 of the set: tokens (0, 0), a prompt with commas, quotes and line breaks, one tool call
        List<String> first = rows.get(0);
        Interception source = world.exported.get(0);
        assertThat(first.get(1)).isEqualTo(source.startedAt.toString());
        assertThat(first.get(4)).isEqualTo("bob");
        assertThat(first.get(7)).isEqualTo(World.EXPORT_MODEL);
        assertThat(first.get(8)).isEqualTo("Codex");
        assertThat(first.get(27)).isEqualTo("prompt 0, with \"quotes\",\nline breaks\r\nand ünïcödé ✓");
        assertThat(first.get(28)).isEqualTo("1");
        assertThat(first.get(29)).isEqualTo("claude-cli/2.0.1 (external, cli)");
        long input = rows.stream().mapToLong(row -> Long.parseLong(row.get(22))).sum();
        long total = rows.stream().mapToLong(row -> Long.parseLong(row.get(26))).sum();
        long n = World.EXPORT_ROWS;
        assertThat(input).isEqualTo(n * (n - 1) / 2);
        assertThat(total).isEqualTo(3 * n * (n - 1) / 2);
        assertThat(Files.readString(file)).startsWith("id,started_at,").contains("\r\n");
    }

    @Test
    void resumeCutsAnIncompleteLastLineAndContinuesAfterTheLastIdWithoutDuplicates() throws IOException {
        Path full = dir.resolve("full.jsonl");
        admin.ok("interceptions", "export", "--model", World.EXPORT_MODEL, "--output", full.toString());
        byte[] bytes = Files.readAllBytes(full);
        // 1,234 whole lines, then half of the next one: a kill in the middle of a write
        int end = nthLineEnd(bytes, 1234);
        int cut = end + (nthLineEnd(bytes, 1235) - end) / 2;
        Path partial = dir.resolve("partial.jsonl");
        Files.write(partial, java.util.Arrays.copyOf(bytes, cut));

        Cli.Result r = admin.ok("interceptions", "export", "--model", World.EXPORT_MODEL, "--output", partial.toString(), "--resume");

        assertThat(Files.readAllBytes(partial)).isEqualTo(bytes);
        assertThat(idsOf(jsonLines(partial))).containsExactlyElementsOf(expectedIds);
        assertThat(r.stderr()).contains("Cut off an incomplete last record (")
                .contains("Resuming after interception " + expectedIds.get(1233) + " (1,234 already in ")
                .contains("Exported 1,111 interceptions to " + partial + " (1,234 were already there)");
    }

    @Test
    void resumeOfACsvCutInsideAQuotedMultiLineFieldContinuesWithoutDuplicates() throws IOException {
        Path full = dir.resolve("full.csv");
        admin.ok("interceptions", "export", "--model", World.EXPORT_MODEL, "--format", "csv", "--output", full.toString());
        String text = Files.readString(full, StandardCharsets.UTF_8);
        List<Integer> ends = CsvFile.recordEnds(text);
        // header + 600 records, then the next record up to the middle of its multi-line prompt
        // (record 601 is row 600 of the set: 600 % 3 == 0, so it has a prompt with line breaks)
        int end = ends.get(600);
        int cut = text.indexOf("line breaks", end);
        Path partial = dir.resolve("partial.csv");
        Files.writeString(partial, text.substring(0, cut), StandardCharsets.UTF_8);

        Cli.Result r = admin.ok("interceptions", "export", "--model", World.EXPORT_MODEL, "--format", "csv",
                "--output", partial.toString(), "--resume");

        assertThat(Files.readString(partial, StandardCharsets.UTF_8)).isEqualTo(text);
        assertThat(r.stderr()).contains("Resuming after interception " + expectedIds.get(599) + " (600 already in ");
    }

    @Test
    void resumeOfACompleteExportAddsNothing() throws IOException {
        Path file = dir.resolve("done.jsonl");
        admin.ok("interceptions", "export", "--initiator", "alice", "--output", file.toString());
        byte[] before = Files.readAllBytes(file);

        Cli.Result r = admin.ok("interceptions", "export", "--initiator", "alice", "--output", file.toString(), "--resume");

        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        assertThat(r.stderr()).contains("Exported 0 interceptions to " + file + " (4 were already there)");
    }

    @Test
    void resumeGoesOnByTimeWhenRetentionPurgedTheLastExportedRow() throws IOException {
        // 30 rows of their own; rows 14 and 15 share a start, so continuing by time must order by id
        List<Interception> set = World.exportSet(world.carol.id(), "purge-model", Instant.parse("2026-01-20T12:00:00Z"), 30);
        world.rows.save(set);
        Path full = dir.resolve("purge-full.jsonl");
        admin.ok("interceptions", "export", "--model", "purge-model", "--page-size", "5", "--output", full.toString());
        List<String> lines = Files.readAllLines(full);
        assertThat(lines).hasSize(30);
        Path partial = dir.resolve("purge-partial.jsonl");
        Files.write(partial, lines.subList(0, 15));
        // the cursor row (the 15th) and the one before it are gone, as retention would leave them
        world.rows.delete(set.subList(13, 15));

        Cli.Result r = admin.ok("interceptions", "export", "--model", "purge-model", "--page-size", "5",
                "--output", partial.toString(), "--resume");

        assertThat(Files.readAllLines(partial)).containsExactlyElementsOf(lines);
        assertThat(set.get(15).startedAt).isEqualTo(set.get(14).startedAt);
        assertThat(r.stderr()).contains("Exported 15 interceptions");
    }

    @Test
    void drawsAProgressBarWithTheTotalOnATerminal() {
        Path file = dir.resolve("progress.jsonl");

        Cli.Result r = admin.onTerminal().ok("interceptions", "export", "--model", World.EXPORT_MODEL, "--page-size", "500",
                "--output", file.toString());

        assertThat(r.stderr()).contains("\r100% [========================================] 2,345/2,345");
        assertThat(r.stderr()).contains("\r  0% [>").contains("0/2,345");
        assertThat(r.stderr()).endsWith("s.\n").contains("Exported 2,345 interceptions");
    }

    @Test
    void drawsNoProgressBarWhenStderrIsNotATerminalOrWhenQuiet() {
        Cli.Result plain = admin.ok("interceptions", "export", "--initiator", "alice", "--output", dir.resolve("a.jsonl").toString());
        Cli.Result quiet = admin.onTerminal().ok("interceptions", "export", "--initiator", "alice", "--quiet",
                "--output", dir.resolve("b.jsonl").toString());

        assertThat(plain.stderr()).doesNotContain("\r").doesNotContain("%");
        assertThat(quiet.stderr()).isEmpty();
    }

    @Test
    void anEmptyResultGivesAFileWithOnlyTheCsvHeader() throws IOException {
        Path file = dir.resolve("empty.csv");

        Cli.Result r = admin.ok("interceptions", "export", "--model", "no-such-model", "--output", file.toString());

        assertThat(Files.readString(file)).isEqualTo(CsvRows.HEADER + "\r\n");
        assertThat(r.stderr()).startsWith("Exported 0 interceptions");
    }

    @Test
    void anExistingFileIsOverwrittenOnlyWithForce() throws IOException {
        Path file = dir.resolve("existing.jsonl");
        Files.writeString(file, "keep me\n");

        Cli.Result refused = admin.run("interceptions", "export", "--initiator", "alice", "--output", file.toString());
        Cli.Result forced = admin.ok("interceptions", "export", "--initiator", "alice", "--output", file.toString(), "--force");

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr()).contains("exists; add --resume to continue that export, or --force to overwrite it");
        assertThat(forced.stderr()).contains("Exported 4 interceptions");
        assertThat(Files.readAllLines(file)).hasSize(4);
    }

    static List<String> ids(List<Interception> set) {
        return set.stream().map(i -> i.id.toString()).toList();
    }

    static List<String> idsOf(List<JsonNode> rows) {
        return rows.stream().map(r -> r.get("id").asText()).toList();
    }

    static List<JsonNode> jsonLines(Path file) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            rows.add(json(line));
        }
        return rows;
    }

    static JsonNode json(String line) {
        try {
            return Json.MAPPER.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The offset just after the n-th line break. */
    static int nthLineEnd(byte[] bytes, int n) {
        int seen = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n' && ++seen == n) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException("fewer than " + n + " lines");
    }

    static Set<String> unique(List<String> ids) {
        return new HashSet<>(ids);
    }
}
