package io.aibridge.recorder.interception;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.recorder.Rows;
import io.aibridge.recorder.ReusedConnectionDataSource;
import io.aibridge.recorder.TestEvents;
import io.aibridge.testing.Database;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The writer against a real PostgreSQL, without Kafka in between, so that the order and the
 * batching of events are under the test's control: whatever they are, the rows are the same.
 */
class OrderIndependenceTest {

    private static Database database;
    private static ReusedConnectionDataSource dataSource;
    private static InterceptionWriter writer;
    private static Rows rows;

    @BeforeAll
    static void startDatabase() {
        database = Database.start().migrate();
        dataSource = new ReusedConnectionDataSource(database.jdbcUrl(), database.user(), database.password());
        writer = new InterceptionWriter(dataSource, new SimpleMeterRegistry(), false);
        rows = new Rows(dataSource);
    }

    @AfterAll
    static void stopDatabase() throws SQLException {
        dataSource.close();
        database.close();
    }

    @Test
    void everyOrderOfOneInterceptionsEventsGivesTheSameRows() throws SQLException {
        UUID alice = UUID.randomUUID();
        TestEvents.Interception interception = new TestEvents.Interception(alice, Instant.now());
        List<InterceptionEvent> events = List.of(interception.started(), interception.prompt("Why does CI fail?", 5),
                interception.tokens(12, 417, 20480, 1536, 900), interception.toolCall("toolu_" + UUID.randomUUID(), 901),
                interception.thought("Run the build first.", 899), interception.ended(1000));

        Map<String, List<Map<String, String>>> reference = writeOneByOne(events, List.of(interception.id), alice);
        assertThat(reference.get("interceptions")).singleElement().satisfies(row -> {
            assertThat(row).containsEntry("initiator_id", alice.toString()).containsEntry("end_status", "completed")
                    .containsEntry("session_id", interception.id.toString());
        });
        assertThat(reference.get("sessions")).singleElement().satisfies(session -> assertThat(session)
                .containsEntry("interceptions", "1").containsEntry("threads", "1").containsEntry("input_tokens", "12")
                .containsEntry("output_tokens", "417").containsEntry("cache_read_input_tokens", "20480")
                .containsEntry("cache_write_input_tokens", "1536").containsEntry("last_prompt", "Why does CI fail?"));

        int orders = 0;
        for (List<InterceptionEvent> order : permutations(events)) {
            assertSameRows(writeOneByOne(order, List.of(interception.id), alice), reference, order);
            orders++;
        }
        assertThat(orders).isEqualTo(720);
    }

    @Test
    void theKeyAnAnswerCameWithAfterAKeyFailoverIsRecordedWhateverTheOrderAndBatching() throws SQLException {
        UUID alice = UUID.randomUUID();
        TestEvents.Interception interception = new TestEvents.Interception(alice, Instant.now());
        List<InterceptionEvent> events = List.of(interception.started(), interception.tokens(12, 417, 0, 0, 900),
                interception.endedWithKey(1000, "sk-b...1234"));

        Map<String, List<Map<String, String>>> reference = writeOneByOne(events, List.of(interception.id), alice);
        assertThat(reference.get("interceptions")).singleElement().satisfies(row -> assertThat(row)
                .as("the end's hint replaces the start's (sk-a...wxyz)").containsEntry("credential_hint", "sk-b...1234"));
        for (List<InterceptionEvent> order : permutations(events)) {
            assertSameRows(writeOneByOne(order, List.of(interception.id), alice), reference, order);
            assertSameRows(writeInBatches(order, List.of(interception.id), alice, new int[]{order.size()}), reference, order,
                    new int[]{order.size()});
        }
    }

    @Test
    void aToolLoopFormsOneThreadAndOneSessionWhateverTheOrderAndBatching() throws SQLException {
        UUID alice = UUID.randomUUID();
        TestEvents.ToolLoop loop = new TestEvents.ToolLoop(alice, Instant.now(), null);
        List<UUID> ids = List.of(loop.first.id, loop.second.id, loop.third.id);

        Map<String, List<Map<String, String>>> reference = writeInBatches(loop.events, ids, alice, new int[]{loop.events.size()});
        assertThreadOf(loop, reference, loop.first.id.toString());

        Random random = new Random(42);
        for (int run = 0; run < 150; run++) {
            List<InterceptionEvent> shuffled = new ArrayList<>(loop.events);
            Collections.shuffle(shuffled, random);
            int[] batches = randomBatches(shuffled.size(), random);
            assertSameRows(writeInBatches(shuffled, ids, alice, batches), reference, shuffled, batches);
        }
        List<InterceptionEvent> backwards = new ArrayList<>(loop.events);
        Collections.reverse(backwards);
        assertSameRows(writeOneByOne(backwards, ids, alice), reference, backwards);
    }

    @Test
    void aToolLoopWithAClientSessionIdIsOneThreadOfThatSession() throws SQLException {
        UUID alice = UUID.randomUUID();
        String clientSession = "e3b0c442-" + UUID.randomUUID();
        TestEvents.ToolLoop loop = new TestEvents.ToolLoop(alice, Instant.now(), clientSession);
        List<UUID> ids = List.of(loop.first.id, loop.second.id, loop.third.id);

        Map<String, List<Map<String, String>>> reference = writeOneByOne(loop.events, ids, alice);
        assertThreadOf(loop, reference, clientSession);
        Random random = new Random(7);
        for (int run = 0; run < 50; run++) {
            List<InterceptionEvent> shuffled = new ArrayList<>(loop.events);
            Collections.shuffle(shuffled, random);
            int[] batches = randomBatches(shuffled.size(), random);
            assertSameRows(writeInBatches(shuffled, ids, alice, batches), reference, shuffled, batches);
        }
    }

    @Test
    void aLongLoopArrivingBackwardsOneRequestPerBatchEndsUpRootedAtItsFirstRequest() throws SQLException {
        UUID alice = UUID.randomUUID();
        Instant start = Instant.now();
        List<TestEvents.Interception> steps = new ArrayList<>();
        List<List<InterceptionEvent>> perStep = new ArrayList<>();
        String answering = null;
        for (int i = 0; i < 8; i++) {
            TestEvents.Interception step = new TestEvents.Interception(alice, start.plusSeconds(i * 3L)).answering(answering);
            String call = "call_" + UUID.randomUUID();
            perStep.add(List.of(step.started(), step.toolCall(call, 1000), step.tokens(10, 1, 0, 0, 1000), step.ended(1100)));
            steps.add(step);
            answering = call;
        }
        clear(steps.stream().map(s -> s.id).toList(), alice);
        for (int i = perStep.size() - 1; i >= 0; i--) {
            writer.write(perStep.get(i));
        }
        for (int i = 1; i < steps.size(); i++) {
            Map<String, String> row = rows.interception(steps.get(i).id);
            assertThat(row).containsEntry("thread_parent_id", steps.get(i - 1).id.toString())
                    .containsEntry("thread_root_id", steps.get(0).id.toString());
        }
        assertThat(rows.interception(steps.get(0).id)).containsEntry("thread_root_id", null);
        assertThat(rows.sessions(List.of(alice))).singleElement().satisfies(s -> assertThat(s)
                .containsEntry("session_id", steps.get(0).id.toString()).containsEntry("interceptions", "8")
                .containsEntry("threads", "1").containsEntry("input_tokens", "80"));
    }

    /**
     * The writer inserts a batch's rows as new ones first and falls back to skipping and merging
     * stored rows only when one exists. Every split of a tool loop into "stored before" and "the
     * whole loop redelivered" takes the fallback for the children, the interceptions or both, and
     * must store what the first batch lacked, change nothing it stored, and count nothing twice.
     */
    @Test
    void aRedeliveredBatchWhosePrefixWasStoredStoresTheRestAndCountsNothingTwice() throws SQLException {
        UUID alice = UUID.randomUUID();
        TestEvents.ToolLoop loop = new TestEvents.ToolLoop(alice, Instant.now(), null);
        List<UUID> ids = List.of(loop.first.id, loop.second.id, loop.third.id);
        int size = loop.events.size();
        Map<String, List<Map<String, String>>> reference = writeInBatches(loop.events, ids, alice, new int[]{size});

        Random random = new Random(7);
        for (int stored = 1; stored <= size; stored++) {
            List<InterceptionEvent> shuffled = new ArrayList<>(loop.events);
            Collections.shuffle(shuffled, random);
            List<InterceptionEvent> prefixThenAll = new ArrayList<>(shuffled.subList(0, stored));
            prefixThenAll.addAll(shuffled);
            assertSameRows(writeInBatches(prefixThenAll, ids, alice, new int[]{stored, size}), reference, prefixThenAll,
                    stored, size);
        }
    }

    @Test
    void anInterceptionIsInvisibleUntilBothItsStartAndItsEndAreStored() throws SQLException {
        UUID alice = UUID.randomUUID();
        TestEvents.Interception interception = new TestEvents.Interception(alice, Instant.now());
        writer.write(List.of(interception.ended(500), interception.tokens(1, 2, 3, 4, 400)));
        assertThat(rows.interception(interception.id)).containsEntry("initiator_id", null).containsEntry("end_status", "completed");
        assertThat(rows.sessions(List.of(alice))).isEmpty();

        writer.write(List.of(interception.started()));
        assertThat(rows.interception(interception.id)).containsEntry("initiator_id", alice.toString())
                .containsEntry("provider", "anthropic");
        assertThat(rows.sessions(List.of(alice))).singleElement().satisfies(s -> assertThat(s).containsEntry("output_tokens", "2"));
    }

    @Test
    void theFirstEndStoredWinsAndALaterOneChangesNothing() throws SQLException {
        UUID alice = UUID.randomUUID();
        TestEvents.Interception interception = new TestEvents.Interception(alice, Instant.now());
        writer.write(List.of(interception.started(), interception.ended(700)));
        writer.write(List.of(interception.failed(900)));
        assertThat(rows.interception(interception.id)).containsEntry("end_status", "completed").containsEntry("http_status", "200")
                .containsEntry("duration_ms", "700").containsEntry("error_type", null);
    }

    @Test
    void aNulCharacterThatPostgresCannotStoreBecomesTheReplacementCharacter() throws SQLException {
        UUID alice = UUID.randomUUID();
        TestEvents.Interception interception = new TestEvents.Interception(alice, Instant.now());
        writer.write(List.of(interception.started(), interception.prompt("before\u0000after", 3)));
        assertThat(rows.children("aibridge_user_prompts", interception.id)).singleElement()
                .satisfies(p -> assertThat(p).containsEntry("prompt", "before\uFFFDafter"));
    }

    @Test
    void tiesOnStartAndPromptTimesResolveLikeTheDefinitionWhateverTheOrder() throws SQLException {
        UUID alice = UUID.randomUUID();
        Instant start = Instant.now();
        String session = "ties-" + UUID.randomUUID();
        TestEvents.Interception one = new TestEvents.Interception(alice, start).clientSession(session).model("gpt-5");
        TestEvents.Interception two = new TestEvents.Interception(alice, start).clientSession(session).model("claude-opus-4");
        List<InterceptionEvent> events = List.of(one.started(), one.prompt("first", 7), one.ended(9),
                two.started(), two.prompt("second", 7), two.tokens(1, 1, 0, 0, 8), two.ended(9));
        List<UUID> ids = List.of(one.id, two.id);
        Map<String, List<Map<String, String>>> reference = writeOneByOne(events, ids, alice);
        assertThat(reference.get("sessions")).singleElement().satisfies(s -> assertThat(s)
                .containsEntry("interceptions", "2").containsEntry("models", "[claude-opus-4, gpt-5]"));
        Random random = new Random(3);
        for (int run = 0; run < 60; run++) {
            List<InterceptionEvent> shuffled = new ArrayList<>(events);
            Collections.shuffle(shuffled, random);
            int[] batches = randomBatches(shuffled.size(), random);
            assertSameRows(writeInBatches(shuffled, ids, alice, batches), reference, shuffled, batches);
        }
    }

    @Test
    void aLostSummaryIsRecomputedInFullWhenALateTokenUsageArrives() throws SQLException {
        UUID alice = UUID.randomUUID();
        TestEvents.Interception interception = new TestEvents.Interception(alice, Instant.now());
        writer.write(List.of(interception.started(), interception.tokens(5, 5, 0, 0, 3), interception.ended(9)));
        rows.execute("DELETE FROM aibridge_sessions WHERE initiator_id = ?", alice);
        writer.write(List.of(interception.tokens(7, 7, 0, 0, 8)));
        assertThat(rows.sessions(List.of(alice))).singleElement().satisfies(s -> assertThat(s)
                .containsEntry("input_tokens", "12").containsEntry("interceptions", "1"));
        assertSummariesMatchTheirDefinition(alice);
    }

    @Test
    void aSessionOfManyLongModelsKeepsABoundedSummaryThatDeltasAndTheDefinitionAgreeOnWhateverTheOrder() throws SQLException {
        // As it was, the summary collected every distinct model: these made it too large for its
        // covering index, and the write failed with SQLSTATE 54000.
        UUID alice = UUID.randomUUID();
        String session = "many-models-" + UUID.randomUUID();
        Random random = new Random(48);
        List<String> models = new ArrayList<>(List.of("claude-sonnet-4-5", "gpt-5", "claude-opus-4"));
        // 40 random names of distinct lengths from 30 to 256 characters (the longest the proxy takes)
        List<Integer> lengths = new ArrayList<>(java.util.stream.IntStream.rangeClosed(30, 255).boxed().toList());
        Collections.shuffle(lengths, random);
        lengths.set(0, 256);
        for (int length : lengths.subList(0, 40)) {
            models.add(randomModel(random, length));
        }
        Instant start = TestEvents.now();
        List<InterceptionEvent> events = new ArrayList<>();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            TestEvents.Interception interception = new TestEvents.Interception(alice, start.plusMillis(i))
                    .clientSession(session).model(models.get(i));
            ids.add(interception.id);
            events.addAll(List.of(interception.started(), interception.prompt("prompt " + i, 5),
                    interception.tokens(10, 20, 0, 0, 6), interception.ended(10)));
        }

        Map<String, List<Map<String, String>>> reference = writeInBatches(events, ids, alice, new int[]{events.size()});
        assertThat(reference.get("interceptions")).extracting(r -> r.get("model")).containsExactlyInAnyOrderElementsOf(models);
        assertThat(reference.get("aibridge_user_prompts")).hasSize(models.size());
        assertThat(reference.get("aibridge_token_usages")).hasSize(models.size());
        assertThat(reference.get("sessions")).singleElement().satisfies(s -> assertThat(s)
                .containsEntry("interceptions", "43").containsEntry("input_tokens", "430").containsEntry("output_tokens", "860")
                .containsEntry("last_prompt", "prompt 42"));
        List<Map<String, String>> summary = rows.query("""
                SELECT array_to_string(models, E'\\n') AS models, cardinality(models) AS count, models_cut,
                       (SELECT sum(octet_length(m)) FROM unnest(models) AS m) AS bytes
                FROM aibridge_sessions WHERE session_id = ? AND initiator_id = ?""", session, alice);
        assertThat(summary).singleElement().satisfies(s -> {
            assertThat(Integer.parseInt(s.get("count"))).isBetween(3, 32);
            assertThat(Integer.parseInt(s.get("bytes"))).isLessThanOrEqualTo(1024);
            // shortest first (the lengths differ): the ordinary names stay, and the first long one left out is the cut
            List<String> kept = List.of(s.get("models").split("\n"));
            assertThat(kept).contains("claude-sonnet-4-5", "gpt-5", "claude-opus-4");
            List<String> byBudget = models.stream().sorted(java.util.Comparator.comparingInt(String::length)).toList();
            assertThat(byBudget.subList(0, kept.size())).containsExactlyInAnyOrderElementsOf(kept);
            assertThat(s.get("models_cut")).isEqualTo(byBudget.get(kept.size()));
        });
        assertThat(rows.query("SELECT value FROM aibridge_session_value_counts WHERE kind = 'model' AND initiator_id = ? AND sessions > 0",
                alice)).extracting(r -> r.get("value")).containsExactlyInAnyOrderElementsOf(
                List.of(summary.get(0).get("models").split("\n")));

        for (int run = 0; run < 12; run++) {
            List<InterceptionEvent> shuffled = new ArrayList<>(events);
            Collections.shuffle(shuffled, random);
            int[] batches = run % 3 == 0 ? largeBatches(shuffled.size(), random) : randomBatches(shuffled.size(), random);
            assertSameRows(writeInBatches(shuffled, ids, alice, batches), reference, shuffled, batches);
        }
    }

    private static String randomModel(Random random, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        StringBuilder model = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            model.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return model.toString();
    }

    /** Batches of 20 to 60 events: several interceptions become visible in one batch, so batch summaries leave models out too. */
    private static int[] largeBatches(int total, Random random) {
        List<Integer> sizes = new ArrayList<>();
        int left = total;
        while (left > 0) {
            int size = Math.min(left, 20 + random.nextInt(41));
            sizes.add(size);
            left -= size;
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void twoWritersAtOnceOnTheSameSessionsKeepExactSummaries() throws Exception {
        UUID alice = UUID.randomUUID();
        UUID bob = UUID.randomUUID();
        Instant start = Instant.now();
        List<InterceptionEvent> first = new ArrayList<>();
        List<InterceptionEvent> second = new ArrayList<>();
        Random random = new Random(11);
        for (int i = 0; i < 120; i++) {
            UUID user = i % 2 == 0 ? alice : bob;
            // Two client sessions per user, so both writers keep touching the same summaries.
            TestEvents.Interception interception = new TestEvents.Interception(user, start.plusMillis(i))
                    .clientSession("shared-" + user + "-" + (i % 4 < 2 ? "a" : "b"));
            List<InterceptionEvent> events = List.of(interception.started(), interception.prompt("p" + i, 1),
                    interception.tokens(i, 1, 2, 3, 2), interception.ended(3));
            (random.nextBoolean() ? first : second).addAll(events);
        }
        Collections.shuffle(first, random);
        Collections.shuffle(second, random);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var a = pool.submit(() -> writeRetryingTransientFailures(first, 7));
            var b = pool.submit(() -> writeRetryingTransientFailures(second, 5));
            a.get();
            b.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(rows.sessions(List.of(alice, bob))).hasSize(4).allSatisfy(s -> assertThat(s).containsEntry("interceptions", "30"));
        assertSummariesMatchTheirDefinition(alice);
        assertSummariesMatchTheirDefinition(bob);
    }

    /**
     * The parent's tool call and the child that answers it, stored by two writers at the same time:
     * the parent's batch is held just before its commit (the test holds its session's lock) while
     * the child's batch runs. Without the tool-call locks (V42) the child's batch found no parent
     * and committed unlinked, and the parent's batch, which had looked for waiting children before
     * the child committed, never linked it either.
     */
    @Test
    void aParentAndTheChildAnsweringItStoredByTwoWritersAtOnceAreLinked() throws Exception {
        UUID alice = UUID.randomUUID();
        Instant start = Instant.now();
        String call = "toolu_" + UUID.randomUUID();
        TestEvents.Interception parent = new TestEvents.Interception(alice, start);
        TestEvents.Interception child = new TestEvents.Interception(alice, start.plusSeconds(2)).answering(call);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (java.sql.Connection holder = holdingSession(parent.id, alice)) {
            var parentWrite = pool.submit(() -> {
                writer.write(List.of(parent.started(), parent.toolCall(call, 1000), parent.ended(1100)));
                return null;
            });
            awaitWaitingAdvisoryLocks(holder, 1, parentWrite);
            var childWrite = pool.submit(() -> {
                writer.write(List.of(child.started(), child.tokens(5, 1, 0, 0, 900), child.ended(1000)));
                return null;
            });
            // the child's batch now waits for the parent's (or, unlocked, has already committed unlinked)
            awaitWaitingAdvisoryLocks(holder, 2, childWrite);
            holder.rollback();
            parentWrite.get(30, java.util.concurrent.TimeUnit.SECONDS);
            childWrite.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(rows.interception(child.id)).containsEntry("thread_parent_id", parent.id.toString())
                .containsEntry("thread_root_id", parent.id.toString())
                .containsEntry("session_id", parent.id.toString());
        assertThat(rows.sessions(List.of(alice))).singleElement().satisfies(s -> assertThat(s)
                .containsEntry("interceptions", "2").containsEntry("threads", "1"));
        assertSummariesMatchTheirDefinition(alice);
    }

    /**
     * A stored child waiting for its parent's tool call becomes visible in one writer (its end)
     * while another writer stores the parent and links the child. The linker's look-up read the
     * child before its end committed; as it was, the link then counted the child as invisible, and
     * its summary stayed in the session it had left.
     */
    @Test
    void aChildThatAnotherWriterMakesVisibleWhileItIsLinkedMovesToItsParentsSession() throws Exception {
        UUID alice = UUID.randomUUID();
        Instant start = Instant.now();
        String call = "toolu_" + UUID.randomUUID();
        TestEvents.Interception parent = new TestEvents.Interception(alice, start);
        TestEvents.Interception child = new TestEvents.Interception(alice, start.plusSeconds(2)).answering(call);
        writer.write(List.of(child.started()));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (java.sql.Connection holder = holdingSession(child.id, alice)) {
            var endWrite = pool.submit(() -> {
                writer.write(List.of(child.ended(1000)));
                return null;
            });
            // the end is written and waits, uncommitted, in its summary update
            awaitWaitingAdvisoryLocks(holder, 1, endWrite);
            var parentWrite = pool.submit(() -> {
                writer.write(List.of(parent.started(), parent.toolCall(call, 1000), parent.ended(1100)));
                return null;
            });
            // the parent's batch found the child (not yet visible to it) and waits for the child's row
            awaitWaitingRowLocks(holder, parentWrite);
            holder.rollback();
            endWrite.get(30, java.util.concurrent.TimeUnit.SECONDS);
            parentWrite.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(rows.interception(child.id)).containsEntry("thread_parent_id", parent.id.toString())
                .containsEntry("session_id", parent.id.toString());
        assertThat(rows.sessions(List.of(alice))).singleElement().satisfies(s -> assertThat(s)
                .containsEntry("session_id", parent.id.toString()).containsEntry("interceptions", "2"));
        assertSummariesMatchTheirDefinition(alice);
    }

    /**
     * A child answering a parent's tool call is stored while another writer links that parent to
     * its own parent (the grandparent) and re-roots the parent's descendants. As it was, the child's
     * look-up read the parent's root before the other writer committed (none: the parent was a
     * root), and that writer's re-rooting could not see the uncommitted child: the child kept the
     * parent as its root although the parent now had a parent.
     */
    @Test
    void aChildStoredWhileAnotherWriterLinksItsParentGetsTheParentsNewRoot() throws Exception {
        UUID alice = UUID.randomUUID();
        Instant start = Instant.now();
        String first = "toolu_" + UUID.randomUUID();
        String second = "toolu_" + UUID.randomUUID();
        TestEvents.Interception grandparent = new TestEvents.Interception(alice, start);
        TestEvents.Interception parent = new TestEvents.Interception(alice, start.plusSeconds(2)).answering(first);
        TestEvents.Interception child = new TestEvents.Interception(alice, start.plusSeconds(4)).answering(second);
        writer.write(List.of(parent.started(), parent.toolCall(second, 1000), parent.ended(1100)));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try (java.sql.Connection holder = holdingSession(grandparent.id, alice)) {
            var grandparentWrite = pool.submit(() -> {
                writer.write(List.of(grandparent.started(), grandparent.toolCall(first, 1000), grandparent.ended(1100)));
                return null;
            });
            // the grandparent's batch has linked and re-rooted the parent, and waits uncommitted in its summary update
            awaitWaitingAdvisoryLocks(holder, 1, grandparentWrite);
            var childWrite = pool.submit(() -> {
                writer.write(List.of(child.started(), child.ended(1000)));
                return null;
            });
            // the child's batch waits for the parent's row (or, as it was, stored the child and waits or committed)
            awaitWaitingLocks(holder, 2, childWrite);
            holder.rollback();
            grandparentWrite.get(30, java.util.concurrent.TimeUnit.SECONDS);
            childWrite.get(30, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(rows.interception(parent.id)).containsEntry("thread_root_id", grandparent.id.toString());
        assertThat(rows.interception(child.id)).containsEntry("thread_parent_id", parent.id.toString())
                .containsEntry("thread_root_id", grandparent.id.toString())
                .containsEntry("session_id", grandparent.id.toString());
        assertThat(rows.sessions(List.of(alice))).singleElement().satisfies(s -> assertThat(s)
                .containsEntry("interceptions", "3").containsEntry("threads", "1"));
        assertSummariesMatchTheirDefinition(alice);
    }

    /** Waits until {@code count} lock requests of any kind wait, or {@code write} has finished. */
    private static void awaitWaitingLocks(java.sql.Connection c, int count, java.util.concurrent.Future<?> write) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!write.isDone()) {
            try (var s = c.createStatement(); var rs = s.executeQuery("SELECT count(*) FROM pg_locks WHERE NOT granted")) {
                rs.next();
                if (rs.getInt(1) >= count) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no second writer waited for a lock within 30 s");
            }
            Thread.sleep(20);
        }
    }

    /** Waits until a transaction waits for another's row (a transaction id lock), or {@code write} has finished. */
    private static void awaitWaitingRowLocks(java.sql.Connection c, java.util.concurrent.Future<?> write) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!write.isDone()) {
            try (var s = c.createStatement();
                 var rs = s.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted")) {
                rs.next();
                if (rs.getInt(1) >= 1) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no writer waited for a row within 30 s");
            }
            Thread.sleep(20);
        }
    }

    /**
     * A tool call answered within {@link ThreadLinker#LOOKBACK} is linked, one answered later is not,
     * whichever arrives first: the parent's tool call or the child's start.
     */
    @Test
    void aToolCallIsLinkedWithinTheLookBackAndNotBeyondItInEitherOrder() throws SQLException {
        for (boolean parentsFirst : new boolean[]{true, false}) {
            UUID alice = UUID.randomUUID();
            Instant now = Instant.now();
            String recentCall = "toolu_" + UUID.randomUUID();
            String staleCall = "toolu_" + UUID.randomUUID();
            TestEvents.Interception recent = new TestEvents.Interception(alice,
                    now.minus(ThreadLinker.LOOKBACK).plus(java.time.Duration.ofHours(1)));
            TestEvents.Interception stale = new TestEvents.Interception(alice,
                    now.minus(ThreadLinker.LOOKBACK).minus(java.time.Duration.ofHours(1)));
            TestEvents.Interception answersRecent = new TestEvents.Interception(alice, now).answering(recentCall);
            TestEvents.Interception answersStale = new TestEvents.Interception(alice, now).answering(staleCall);
            List<InterceptionEvent> parents = List.of(recent.started(), recent.toolCall(recentCall, 1000), recent.ended(1100),
                    stale.started(), stale.toolCall(staleCall, 1000), stale.ended(1100));
            List<InterceptionEvent> children = List.of(answersRecent.started(), answersRecent.ended(100),
                    answersStale.started(), answersStale.ended(100));
            writer.write(parentsFirst ? parents : children);
            writer.write(parentsFirst ? children : parents);

            assertThat(rows.interception(answersRecent.id)).as("parents first: %s", parentsFirst)
                    .containsEntry("thread_parent_id", recent.id.toString());
            assertThat(rows.interception(answersStale.id)).as("parents first: %s", parentsFirst)
                    .containsEntry("thread_parent_id", null).containsEntry("thread_root_id", null);
            assertSummariesMatchTheirDefinition(alice);
        }
    }

    /**
     * A batch reads and locks only the days it can touch: its own, and for linking the look-back
     * before them, however many days are kept. The check runs once the statements' plans are the
     * cached ones (after five runs on the connection), which hold every day partition unless the
     * bounds prune them while planning; it looks at the locks of a batch held inside its summary
     * update, after all its linking statements ran.
     */
    @Test
    void aBatchLocksNoDayBeforeItsLookBack() throws Exception {
        UUID alice = UUID.randomUUID();
        Instant now = Instant.now();
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
             var s = c.createStatement()) {
            s.execute("SELECT aibridge_ensure_day_partitions((now() - interval '30 days')::date, now()::date)");
        }
        java.time.LocalDate oldestAllowed = java.time.LocalDate.ofInstant(
                now.minus(ThreadLinker.LOOKBACK).minus(ThreadLinker.CLOCK_SKEW), java.time.ZoneOffset.UTC);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            for (int loop = 0; loop < 7; loop++) {
                String call = "toolu_" + UUID.randomUUID();
                TestEvents.Interception parent = new TestEvents.Interception(alice, now.plusSeconds(10L * loop));
                TestEvents.Interception child = new TestEvents.Interception(alice, now.plusSeconds(10L * loop + 2)).answering(call);
                writer.write(List.of(parent.started(), parent.toolCall(call, 1000), parent.ended(1100)));
                if (loop < 6) {
                    writer.write(List.of(child.started(), child.tokens(5, 1, 0, 0, 900), child.ended(1000)));
                    continue;
                }
                try (java.sql.Connection holder = holdingSession(parent.id, alice)) {
                    var childWrite = pool.submit(() -> {
                        writer.write(List.of(child.started(), child.tokens(5, 1, 0, 0, 900), child.ended(1000)));
                        return null;
                    });
                    awaitWaitingAdvisoryLocks(holder, 1, childWrite);
                    List<java.time.LocalDate> lockedDays = new ArrayList<>();
                    try (var days = holder.createStatement().executeQuery("SELECT DISTINCT d.day FROM pg_locks l"
                            + " JOIN pg_class r ON r.oid = l.relation JOIN aibridge_day_partitions d ON r.relname = ANY (d.partitions)"
                            + " WHERE l.pid = (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted LIMIT 1)"
                            + " ORDER BY 1")) {
                        while (days.next()) {
                            lockedDays.add(days.getObject(1, java.time.LocalDate.class));
                        }
                    }
                    holder.rollback();
                    childWrite.get(30, java.util.concurrent.TimeUnit.SECONDS);
                    assertThat(lockedDays).isNotEmpty().allSatisfy(day -> assertThat(day).isAfterOrEqualTo(oldestAllowed));
                }
                assertThat(rows.interception(child.id)).containsEntry("thread_parent_id", parent.id.toString());
            }
        } finally {
            pool.shutdownNow();
        }
        assertSummariesMatchTheirDefinition(alice);
    }

    /**
     * A connection whose open transaction holds the advisory lock of one session (the thread rooted
     * at {@code root}): a writer storing into that session waits inside its summary update until
     * the connection rolls back.
     */
    private static java.sql.Connection holdingSession(UUID root, UUID initiator) throws SQLException {
        java.sql.Connection holder = java.sql.DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
        try (var lock = holder.prepareStatement("SELECT aibridge_lock_sessions(ARRAY[?], ARRAY[?::uuid])")) {
            holder.setAutoCommit(false);
            lock.setString(1, root.toString());
            lock.setString(2, initiator.toString());
            lock.execute();
            return holder;
        } catch (SQLException | RuntimeException e) {
            holder.close();
            throw e;
        }
    }

    /** Waits until {@code count} advisory lock requests wait, or {@code write} has finished. */
    private static void awaitWaitingAdvisoryLocks(java.sql.Connection c, int count, java.util.concurrent.Future<?> write)
            throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (!write.isDone()) {
            try (var s = c.createStatement();
                 var rs = s.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")) {
                rs.next();
                if (rs.getInt(1) >= count) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no writer waited for a lock within 30 s");
            }
            Thread.sleep(20);
        }
    }

    /** What a consumer does: a deadlock or other passing failure retries the batch. */
    private static Void writeRetryingTransientFailures(List<InterceptionEvent> events, int batchSize) throws SQLException {
        for (int from = 0; from < events.size(); from += batchSize) {
            List<InterceptionEvent> batch = events.subList(from, Math.min(events.size(), from + batchSize));
            while (true) {
                try {
                    writer.write(batch);
                    break;
                } catch (SQLException e) {
                    if (!io.aibridge.recorder.sql.SqlFailures.isTransient(e)) {
                        throw e;
                    }
                }
            }
        }
        return null;
    }

    @Test
    void linkingTerminatesOnACycleOfInconsistentEvents() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        Instant t = Instant.now();
        Map<UUID, ThreadLinker.Candidate> candidates = Map.of(
                a, new ThreadLinker.Candidate(a, t, a.toString(), UUID.randomUUID(), true, b, null),
                b, new ThreadLinker.Candidate(b, t, b.toString(), UUID.randomUUID(), true, a, null));
        Map<UUID, UUID> roots = ThreadLinker.resolveRoots(candidates);
        assertThat(roots.get(a)).isNotEqualTo(a);
        assertThat(roots.get(b)).isNotEqualTo(b);
    }

    private static void assertThreadOf(TestEvents.ToolLoop loop, Map<String, List<Map<String, String>>> snapshot, String sessionId) {
        Map<String, Map<String, String>> byId = new java.util.HashMap<>();
        snapshot.get("interceptions").forEach(row -> byId.put(row.get("id"), row));
        String first = loop.first.id.toString();
        assertThat(byId.get(first)).containsEntry("thread_parent_id", null).containsEntry("thread_root_id", null);
        assertThat(byId.get(loop.second.id.toString())).containsEntry("thread_parent_id", first).containsEntry("thread_root_id", first);
        assertThat(byId.get(loop.third.id.toString())).containsEntry("thread_parent_id", loop.second.id.toString())
                .containsEntry("thread_root_id", first);
        assertThat(byId.values()).allSatisfy(row -> assertThat(row).containsEntry("session_id", sessionId));
        assertThat(snapshot.get("sessions")).singleElement().satisfies(s -> assertThat(s)
                .containsEntry("session_id", sessionId).containsEntry("interceptions", "3").containsEntry("threads", "1")
                .containsEntry("input_tokens", "600").containsEntry("output_tokens", "90")
                .containsEntry("cache_read_input_tokens", "3300").containsEntry("cache_write_input_tokens", "50")
                .containsEntry("last_prompt", "Why does the build fail on CI?"));
    }

    /** Fails with only the rows that differ, and the order and batching that made them. */
    private static void assertSameRows(Map<String, List<Map<String, String>>> actual,
                                       Map<String, List<Map<String, String>>> expected,
                                       List<InterceptionEvent> order, int... batches) {
        if (actual.equals(expected)) {
            return;
        }
        StringBuilder diff = new StringBuilder("rows differ after order " + types(order) + " in batches "
                + java.util.Arrays.toString(batches) + ":");
        expected.forEach((table, rows) -> {
            List<Map<String, String>> got = actual.get(table);
            if (!rows.equals(got)) {
                diff.append("\n").append(table).append("\n  expected: ").append(rows).append("\n  actual:   ").append(got);
            }
        });
        throw new AssertionError(diff.toString());
    }

    private static Map<String, List<Map<String, String>>> writeOneByOne(List<InterceptionEvent> events, List<UUID> ids, UUID initiator)
            throws SQLException {
        int[] ones = new int[events.size()];
        java.util.Arrays.fill(ones, 1);
        return writeInBatches(events, ids, initiator, ones);
    }

    /** Clears the interceptions, writes the events in batches of the given sizes, returns the snapshot. */
    private static Map<String, List<Map<String, String>>> writeInBatches(List<InterceptionEvent> events, List<UUID> ids,
                                                                          UUID initiator, int[] batchSizes) throws SQLException {
        clear(ids, initiator);
        int from = 0;
        for (int size : batchSizes) {
            writer.write(events.subList(from, from + size));
            from += size;
        }
        assertThat(from).isEqualTo(events.size());
        Map<String, List<Map<String, String>>> snapshot = rows.snapshot(ids, Set.of(initiator));
        assertSummariesMatchTheirDefinition(initiator);
        return snapshot;
    }

    /**
     * The summaries the writer keeps by adding deltas are exactly what aibridge_refresh_sessions,
     * the definition of a summary, computes from scratch.
     */
    static void assertSummariesMatchTheirDefinition(UUID initiator) {
        List<Map<String, String>> incremental = rows.sessions(List.of(initiator));
        rows.execute("""
                SELECT aibridge_refresh_sessions(coalesce(array_agg(session_id), '{}'), coalesce(array_agg(initiator_id), '{}'))
                FROM (SELECT session_id, initiator_id FROM aibridge_sessions WHERE initiator_id = ?
                      UNION
                      SELECT session_id, initiator_id FROM aibridge_interceptions WHERE initiator_id = ? AND ended_at IS NOT NULL) k
                """, initiator, initiator);
        assertThat(incremental).as("summaries kept by deltas").isEqualTo(rows.sessions(List.of(initiator)));
    }

    private static void clear(List<UUID> ids, UUID initiator) {
        UUID[] array = ids.toArray(UUID[]::new);
        rows.execute("DELETE FROM aibridge_interceptions WHERE id = ANY (?)", (Object) array);
        for (String table : List.of("aibridge_token_usages", "aibridge_user_prompts", "aibridge_tool_usages", "aibridge_model_thoughts")) {
            rows.execute("DELETE FROM " + table + " WHERE interception_id = ANY (?)", (Object) array);
        }
        rows.execute("DELETE FROM aibridge_sessions WHERE initiator_id = ?", initiator);
    }

    private static int[] randomBatches(int total, Random random) {
        List<Integer> sizes = new ArrayList<>();
        int left = total;
        while (left > 0) {
            int size = Math.min(left, 1 + random.nextInt(4));
            sizes.add(size);
            left -= size;
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }

    private static <T> List<List<T>> permutations(List<T> items) {
        if (items.size() <= 1) {
            return List.of(items);
        }
        List<List<T>> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<T> rest = new ArrayList<>(items);
            T head = rest.remove(i);
            for (List<T> tail : permutations(rest)) {
                List<T> permutation = new ArrayList<>();
                permutation.add(head);
                permutation.addAll(tail);
                out.add(permutation);
            }
        }
        return out;
    }

    private static List<String> types(List<InterceptionEvent> events) {
        return events.stream().map(e -> e.type().name() + "/" + e.interceptionId().toString().substring(0, 4)).toList();
    }
}
