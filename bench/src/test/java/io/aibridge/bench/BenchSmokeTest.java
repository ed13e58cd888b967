package io.aibridge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every benchmark's code path, run once at toy sizes against a real stack (the packaged services
 * over in-JVM Kafka, embedded PostgreSQL and the fake provider), so that the harness cannot rot
 * while nobody runs it: each must finish, print complete tables and write its JSON. It asserts
 * what the benchmarks counted (everything sent was recorded, the raw aggregation agrees with the
 * API, the purge removed what was due), never how fast anything was: the numbers of a run this
 * small mean nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BenchSmokeTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Path RESULTS = Path.of("target/smoke-results").toAbsolutePath();

    private SmokeStack stack;
    private BenchMain.Outcome outcome;

    @BeforeAll
    void runEveryBenchmarkAtToySize() throws Exception {
        stack = SmokeStack.start(REPO, Path.of("target/smoke-stack").toAbsolutePath());
        outcome = BenchMain.run(stack.stack(), options(List.of("blocking", "streaming"), false), Machine.describe(REPO),
                new LinkedHashSet<>(BenchMain.ALL));
    }

    /** Toy sizes for every benchmark: 20 requests a second for a second per run, two alternations, no warm-up. */
    private static BenchOptions options(List<String> modes, boolean interleave) {
        return new BenchOptions(BenchOptions.Scale.QUICK, RESULTS, false,
                List.of(20), modes, 1, 0, 20, 5, 0, 2, interleave,
                20, 30, 1, 10,
                200, 50,
                200, 50, 2, 1,
                3_000, 1_000, 20, 90, 3, 1, 20, 2);
    }

    @AfterAll
    void stopTheStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyBenchmarkFinishesAndWritesItsJsonWithTheMachineAndCommit() throws Exception {
        assertThat(outcome.failed()).isEmpty();
        assertThat(outcome.reports()).containsOnlyKeys(BenchMain.ALL);
        for (String name : BenchMain.ALL) {
            JsonNode json = new ObjectMapper().readTree(RESULTS.resolve(name + "-latest.json").toFile());
            assertThat(json.path("machine").path("cores").asInt()).isPositive();
            assertThat(json.path("machine").path("commit").asText()).isNotBlank();
            assertThat(json.path("load_average_before")).hasSize(3);
            assertThat(json.path("tables")).isNotEmpty();
        }
        String markdown = Files.readString(outcome.markdown());
        for (String name : BenchMain.ALL) {
            assertThat(markdown).contains("## " + name);
        }
    }

    @Test
    void proxyOverheadComparesDirectAndProxiedForEachModeAndRecordsEveryRequest() {
        Report report = outcome.reports().get("proxy");
        assertComplete(report);
        Table blocking = table(report, "Proxy overhead, blocking");
        Table streaming = table(report, "Proxy overhead, streaming");
        for (Table t : List.of(blocking, streaming)) {
            assertThat(t.rows()).hasSize(1);
            List<String> row = t.rows().get(0);
            assertThat(row.get(0)).isEqualTo("20");
            assertThat(row.subList(1, 7)).allSatisfy(cell -> assertThat(cell).doesNotContain("–"));
            assertThat(row.get(8)).isEqualTo("0 / 0");
        }
        Table resources = table(report, "Proxy overhead: the proxy's memory and CPU");
        assertThat(resources.rows()).extracting(r -> r.get(0)).containsExactly("blocking, 20", "streaming, 20");
        for (List<String> row : resources.rows()) {
            String[] recordedSent = row.get(column(resources, "recorded / sent")).split(" / ");
            assertThat(recordedSent[0]).isEqualTo(recordedSent[1]);
            assertThat(Integer.parseInt(recordedSent[1].replace(",", ""))).isPositive();
        }
        Table threads = table(report, "Proxy overhead: the proxy's CPU by thread");
        assertThat(threads.columns()).containsSubsequence("event loops", "event publisher", "Kafka producer", "JIT compiler", "all threads");
        assertThat(threads.rows()).extracting(r -> r.get(0)).containsExactly("blocking, 20", "streaming, 20");
        for (List<String> row : threads.rows()) {
            assertThat(Double.parseDouble(row.get(column(threads, "all threads")))).isPositive();
        }
    }

    @Test
    void proxyOverheadWithTwoAlternationsPoolsBothPairsAndShowsEachPairsSpread() throws Exception {
        Report report = outcome.reports().get("proxy");
        for (String mode : List.of("blocking", "streaming")) {
            Table t = table(report, "Proxy overhead, " + mode);
            assertThat(t.title()).contains("2 pairs per rate (D P, P D) pooled");
            List<String> row = t.rows().get(0);
            for (String spread : List.of("pairs' overhead p50 min / median / max", "pairs' overhead p99 min / median / max",
                    "pairs' TTFB overhead p99 min / median / max")) {
                assertThat(row.get(column(t, spread))).as(spread).matches("[-+][0-9.]+ / [-+][0-9.]+ / [-+][0-9.]+");
            }
        }
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("2 direct/proxied pairs per mode and rate, in the order D P, P D"));
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).containsAnyOf("Target met: ", "TARGET MISSED: ")
                .contains("streaming TTFB overhead p99 at 20 req/s", "(pooled over 2 pairs;"));

        JsonNode runs = new ObjectMapper().readTree(RESULTS.resolve("proxy-latest.json").toFile()).path("data").path("runs");
        assertThat(runs).hasSize(2);
        for (JsonNode run : runs) {
            assertThat(run.path("order")).extracting(JsonNode::asText).containsExactly("D P", "P D");
            JsonNode alternation = run.path("alternation");
            assertThat(alternation).hasSize(2);
            assertThat(alternation).extracting(a -> a.path("index").asInt()).containsExactly(1, 2);
            assertThat(alternation).extracting(a -> a.path("order").asText()).containsExactly("D P", "P D");
            JsonNode pooled = run.path("pooled");
            assertThat(pooled.path("pairs").asInt()).isEqualTo(2);
            for (String side : List.of("direct", "proxy")) {
                long pooledSent = pooled.path(side).path("sent").asLong();
                assertThat(pooledSent).as(side + ": the pool holds both pairs' requests")
                        .isPositive()
                        .isEqualTo(alternation.get(0).path(side).path("sent").asLong() + alternation.get(1).path(side).path("sent").asLong());
                assertThat(pooled.path(side).path("ok").asLong()).isEqualTo(
                        alternation.get(0).path(side).path("ok").asLong() + alternation.get(1).path(side).path("ok").asLong());
            }
            assertThat(pooled.path("interceptions_recorded").asLong()).isEqualTo(pooled.path("requests_sent").asLong());
            JsonNode spread = pooled.path("pair_overhead_spread_ms").path("ttfb_overhead_p99");
            double[] pairs = {alternation.get(0).path("ttfb_overhead_ms").path("p99").asDouble(),
                    alternation.get(1).path("ttfb_overhead_ms").path("p99").asDouble()};
            assertThat(spread.path("min").asDouble()).isEqualTo(Math.min(pairs[0], pairs[1]));
            assertThat(spread.path("max").asDouble()).isEqualTo(Math.max(pairs[0], pairs[1]));
            assertThat(spread.path("median").asDouble()).isCloseTo((pairs[0] + pairs[1]) / 2, org.assertj.core.api.Assertions.offset(1e-9));
        }
    }

    @Test
    void interleavedProxyOverheadRunsBothSidesOfAPairInOneWindowAndRecordsEveryProxiedRequest() throws Exception {
        Report report = new io.aibridge.bench.proxy.ProxyBenchmark(stack.stack(), options(List.of("streaming"), true)).overhead();
        assertComplete(report);
        Table streaming = table(report, "Proxy overhead, streaming");
        assertThat(streaming.rows()).hasSize(1);
        assertThat(streaming.rows().get(0).get(column(streaming, "errors direct / proxy"))).isEqualTo("0 / 0");
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).startsWith("Interleaved (--interleave)"));
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("(which side takes the first slot of each turn alternates"));

        JsonNode data = new ObjectMapper().valueToTree(report.toMap(Machine.describe(REPO), java.util.Map.of())).path("data");
        assertThat(data.path("interleaved").asBoolean()).isTrue();
        JsonNode alternation = data.path("runs").get(0).path("alternation");
        assertThat(alternation).hasSize(2);
        for (JsonNode pair : alternation) {
            JsonNode direct = pair.path("direct");
            JsonNode proxy = pair.path("proxy");
            assertThat(direct.path("sent").asLong()).isEqualTo(proxy.path("sent").asLong()).isEqualTo(20);
            assertThat(direct.path("ok").asLong()).isEqualTo(proxy.path("ok").asLong()).isEqualTo(20);
            assertThat(direct.path("run_start").asText()).as("one window for both sides").isEqualTo(proxy.path("run_start").asText());
            assertThat(pair.path("interceptions_recorded").asLong()).isEqualTo(pair.path("requests_sent").asLong()).isEqualTo(20);
        }
    }

    @Test
    void maxThroughputMeasuresEachRateItTriesAndNamesTheResult() {
        Report report = outcome.reports().get("throughput");
        assertComplete(report);
        Table table = table(report, "Maximum throughput");
        assertThat(table.rows()).isNotEmpty();
        assertThat(table.rows().get(0).get(0)).isEqualTo("20");
        assertThat(table.rows()).extracting(r -> r.get(r.size() - 1)).allSatisfy(v -> assertThat(v).isIn("under", "OVER"));
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).containsAnyOf("Result:", "never passed the limit"));
    }

    @Test
    void proxyMemoryIsMeasuredAfterTheWarmUpAndEverySegmentWithAbandonedStreamsRecordedToo() {
        Report report = outcome.reports().get("memory");
        assertComplete(report);
        Table samples = table(report, "Proxy memory across 200 streamed interceptions");
        assertThat(samples.rows()).extracting(r -> r.get(0)).containsExactly("0 (after 100 warm-up streams)", "100", "200");
        int segment = column(samples, "segment: completed / abandoned / errors");
        for (List<String> row : samples.rows().subList(1, 3)) {
            assertThat(Double.parseDouble(row.get(column(samples, "live heap after full GC, MB")))).isPositive();
            assertThat(Integer.parseInt(row.get(column(samples, "open files")))).isPositive();
            assertThat(row.get(segment)).as("every 10th stream abandoned by the client, none failed").isEqualTo("90 / 10 / 0");
        }
        String[] recordedSent = cell(table(report, "Proxy memory: the trend"), "interceptions recorded / streams sent").split(" / ");
        assertThat(recordedSent[0]).as("abandoned streams are recorded as interceptions too").isEqualTo(recordedSent[1]).isEqualTo("300");
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).containsAnyOf("Target met: memory flat", "TARGET MISSED"));
    }

    @Test
    void recorderIngestStoresTheWholeBacklogAndSeesEveryLagProbe() {
        Report report = outcome.reports().get("recorder");
        assertComplete(report);
        Table ingest = table(report, "Recorder ingest");
        assertThat(cell(ingest, "**events stored per second, draining")).matches("\\*\\*[0-9,]+\\*\\*");
        Table lag = table(report, "Recorder lag");
        List<String> counts = row(lag, "events published / stored");
        String[] publishedStored = counts.get(1).split(" / ");
        assertThat(publishedStored[0]).isEqualTo(publishedStored[1]);
        assertThat(counts.get(4)).as("probes never seen").isEqualTo("0");
        assertThat(row(lag, "end → visible in the query API").get(1)).doesNotContain("–");
    }

    @Test
    void sessionListTimesEveryFilterBesideARawAggregationThatFindsTheSameSessions() {
        Report report = outcome.reports().get("sessions");
        assertComplete(report);
        Table table = table(report, "Sessions list");
        assertThat(table.rows()).extracting(r -> r.get(0)).contains("no filter", "initiator (the busiest user)", "provider=openai",
                "model=claude-opus-4-1", "client=Codex", "session_id", "started_after (last 7 days)", "started_before (first 7 days)");
        List<String> unfiltered = row(table, "no filter");
        assertThat(unfiltered.get(1)).isEqualTo("1,000");
        assertThat(unfiltered.get(3)).as("deep page").contains("(500)").doesNotStartWith("–");
        assertThat(unfiltered.get(5)).as("raw deep page").isNotEqualTo("–");
        for (List<String> row : table.rows()) {
            if (!row.get(0).startsWith("floor")) {
                assertThat(row.get(2)).as(row.get(0) + ": API first page").doesNotContain("–");
                assertThat(row.get(4)).as(row.get(0) + ": the raw aggregation finds as many sessions as the API").doesNotContain("≠");
            }
        }
    }

    @Test
    void purgeRemovesEverythingOlderThanTheRetentionWhileTheRecorderWrites() {
        Report report = outcome.reports().get("purge");
        assertComplete(report);
        Table purge = table(report, "Purge");
        assertThat(cell(purge, "**purge duration**")).matches("\\*\\*[0-9.]+ s\\*\\*");
        String[] beforeAfter = cell(purge, "interceptions older than 60 days").split(" / ");
        assertThat(Integer.parseInt(beforeAfter[0].replace(",", ""))).isPositive();
        assertThat(beforeAfter[1]).isEqualTo("0");
        Table latency = table(report, "Recorder batch write");
        assertThat(latency.rows()).extracting(r -> r.get(0)).contains("before (recorder alone)", "during the purge", "after the purge");
        assertThat(row(latency, "before (recorder alone)").get(1)).isNotEqualTo("0");
    }

    // ------------------------------------------------------------------------------------ helpers

    /** Every table has rows, one cell per column, and no number that came out of an empty measurement. */
    private static void assertComplete(Report report) {
        assertThat(report).isNotNull();
        assertThat(report.tables()).isNotEmpty();
        for (Table t : report.tables()) {
            assertThat(t.rows()).as(t.title()).isNotEmpty();
            for (List<String> row : t.rows()) {
                assertThat(row).as(t.title()).hasSize(t.columns().size());
                assertThat(row.get(0)).as(t.title()).isNotBlank();
                assertThat(row).as(t.title()).noneSatisfy(cell -> assertThat(cell).containsIgnoringCase("NaN"));
            }
        }
        assertThat(report.toMarkdown()).contains("load average");
    }

    private static Table table(Report report, String titleStart) {
        return report.tables().stream().filter(t -> t.title().startsWith(titleStart)).findFirst()
                .orElseThrow(() -> new AssertionError("no table '" + titleStart + "…' in " + report.tables().stream().map(Table::title).toList()));
    }

    private static List<String> row(Table table, String firstCellStart) {
        return table.rows().stream().filter(r -> r.get(0).startsWith(firstCellStart)).findFirst()
                .orElseThrow(() -> new AssertionError("no row '" + firstCellStart + "…' in " + table.title()));
    }

    private static String cell(Table table, String firstCellStart) {
        return row(table, firstCellStart).get(1);
    }

    private static int column(Table table, String name) {
        int i = table.columns().indexOf(name);
        assertThat(i).as("column " + name).isNotNegative();
        return i;
    }
}
