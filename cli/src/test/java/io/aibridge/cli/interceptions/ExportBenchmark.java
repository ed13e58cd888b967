package io.aibridge.cli.interceptions;

import io.aibridge.cli.testing.RecordedRows.Interception;
import io.aibridge.cli.testing.World;
import io.aibridge.cli.testing.WorldExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Export throughput against the real query-service, and the resume scan's speed; prints a table.
 * Run with {@code -Daibridge.bench=true} (about a minute, most of it writing the rows).
 */
@ExtendWith(WorldExtension.class)
@EnabledIfSystemProperty(named = "aibridge.bench", matches = "true")
class ExportBenchmark {

    static final int ROWS = 50_000;

    @TempDir
    Path dir;

    @Test
    void exportThroughputAndResumeScan(World world) throws IOException {
        List<Interception> rows = World.exportSet(world.carol.id(), "bench-model", Instant.parse("2025-12-31T00:00:00Z"), ROWS);
        for (int i = 0; i < rows.size(); i += 5000) {
            world.rows.save(rows.subList(i, Math.min(rows.size(), i + 5000)));
        }
        // warm up both sides (JIT, connection pool, caches) before timing
        world.admin.ok("interceptions", "export", "--model", "bench-model", "--output", dir.resolve("warm.jsonl").toString(), "--quiet");
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%n%-40s %10s %10s %10s%n", "what", "seconds", "rows/s", "MB/s"));
        for (String format : List.of("jsonl", "csv")) {
            Path file = dir.resolve("bench." + format);
            long start = System.nanoTime();
            world.admin.ok("interceptions", "export", "--model", "bench-model", "--output", file.toString(), "--quiet");
            double s = (System.nanoTime() - start) / 1e9;
            long bytes = Files.size(file);
            table.append(String.format(Locale.ROOT, "%-40s %10.2f %10.0f %10.1f%n",
                    "export " + ROWS + " rows, " + format + " (" + bytes / 1_000_000 + " MB)", s, ROWS / s, bytes / 1e6 / s));
        }
        // the resume scan reads the whole file once: measure it on about 500 MB
        Path big = dir.resolve("big.csv");
        byte[] csv = Files.readAllBytes(dir.resolve("bench.csv"));
        int header = new String(csv, 0, 2000, java.nio.charset.StandardCharsets.UTF_8).indexOf('\n') + 1;
        try (OutputStream out = Files.newOutputStream(big, StandardOpenOption.CREATE_NEW)) {
            out.write(csv);
            while (Files.size(big) < 500_000_000L) {
                out.write(csv, header, csv.length - header);
                out.flush();
            }
        }
        for (ExportFormat format : ExportFormat.values()) {
            Path file = format == ExportFormat.csv ? big : dir.resolve("bench.jsonl");
            long start = System.nanoTime();
            ResumePoint p = ResumePoint.read(file, format);
            double s = (System.nanoTime() - start) / 1e9;
            assertThat(p.lastId()).isNotNull();
            table.append(String.format(Locale.ROOT, "%-40s %10.2f %10.0f %10.1f%n",
                    "resume scan, " + format + " (" + Files.size(file) / 1_000_000 + " MB)", s, p.rows() / s, Files.size(file) / 1e6 / s));
        }
        System.out.println(table);
    }
}
