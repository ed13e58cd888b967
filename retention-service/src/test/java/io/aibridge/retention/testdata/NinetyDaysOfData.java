package io.aibridge.retention.testdata;

import io.aibridge.retention.purge.PartitionedTable;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Ninety days of interceptions before {@link #RUN_START}, written the way the recorder writes them,
 * with a 60-day retention in mind: every day has interceptions with every kind of child; one
 * session spans the cutoff; some sessions lie entirely before it; the boundary day (the one that
 * contains the cutoff) has rows on both sides of it; plus the awkward cases (in flight, ended after
 * the cutoff, end stored before start, a child whose interception never arrived).
 */
public final class NinetyDaysOfData {

    /** The purge run's start in these tests: mid-morning, so the cutoff falls inside a day. */
    public static final Instant RUN_START = Instant.parse("2026-03-31T09:30:00Z");
    public static final Duration RETENTION = Duration.ofDays(60);
    /** 2026-01-30T09:30:00Z. */
    public static final Instant CUTOFF = RUN_START.minus(RETENTION);
    public static final LocalDate BOUNDARY_DAY = LocalDate.ofInstant(CUTOFF, ZoneOffset.UTC);

    public final UUID alice = UUID.randomUUID();
    public final UUID bob = UUID.randomUUID();
    public final UUID carol = UUID.randomUUID();

    /** Client session "spanning-boundary" (alice): starts 3 days before the cutoff, ends 5 days after it. */
    public final List<TestInterception> spanning = new ArrayList<>();
    /** Client session "entirely-old" (bob): all of it 10 to 20 days before the cutoff. */
    public final List<TestInterception> entirelyOld = new ArrayList<>();
    /** Client session "shared": alice's part is old, bob's part is young; two sessions in the lists. */
    public final List<TestInterception> sharedByAlice = new ArrayList<>();
    public final List<TestInterception> sharedByBob = new ArrayList<>();
    /** A thread without client session id: root 2 h before the cutoff, next step 2 h after it. */
    public final TestInterception threadRoot;
    public final TestInterception threadStep;
    /** Started 30 min before the cutoff, ended 30 min after it: purged (the start counts). */
    public final TestInterception endedAfterCutoff;
    public final TestInterception inFlightOld;
    public final TestInterception inFlightYoung;
    public final TestInterception startNotStoredOld;
    /** Token usages whose interception was never stored, 10 minutes either side of the cutoff. */
    public final UUID orphanOldInterception = UUID.randomUUID();
    public final Instant orphanOldStartedAt = CUTOFF.minus(Duration.ofMinutes(10));
    public final UUID orphanYoungInterception = UUID.randomUUID();
    public final Instant orphanYoungStartedAt = CUTOFF.plus(Duration.ofMinutes(10));

    private final List<TestInterception> all = new ArrayList<>();

    public NinetyDaysOfData() {
        String[] models = {"claude-sonnet-4-5", "gpt-5", "claude-opus-4-1"};
        for (int day = 0; day < 90; day++) {
            Instant base = RUN_START.minus(Duration.ofDays(day));
            String daily = "daily-" + day;
            all.add(TestInterception.startedAt(base.minus(Duration.ofHours(1)), alice).inSession(daily).withModel(models[day % 3]));
            all.add(TestInterception.startedAt(base.minus(Duration.ofHours(7)), alice).inSession(daily).withTokens(2, 300 + day));
            all.add(TestInterception.startedAt(base.minus(Duration.ofHours(13)), bob).withChildren(2, 0, true));
        }
        for (Duration offset : List.of(Duration.ofDays(-3), Duration.ofHours(-1), Duration.ofMinutes(-1), Duration.ofMinutes(1),
                Duration.ofHours(1), Duration.ofDays(5))) {
            spanning.add(TestInterception.startedAt(CUTOFF.plus(offset), alice).inSession("spanning-boundary")
                    .withTokens(1, 1000 + offset.toMinutes()));
        }
        for (int days : new int[]{20, 15, 10}) {
            entirelyOld.add(TestInterception.startedAt(CUTOFF.minus(Duration.ofDays(days)), bob).inSession("entirely-old"));
        }
        sharedByAlice.add(TestInterception.startedAt(CUTOFF.minus(Duration.ofDays(8)), alice).inSession("shared"));
        sharedByAlice.add(TestInterception.startedAt(CUTOFF.minus(Duration.ofDays(2)), alice).inSession("shared"));
        sharedByBob.add(TestInterception.startedAt(CUTOFF.plus(Duration.ofDays(3)), bob).inSession("shared"));
        sharedByBob.add(TestInterception.startedAt(CUTOFF.plus(Duration.ofDays(10)), bob).inSession("shared").withModel("gpt-5"));
        threadRoot = TestInterception.startedAt(CUTOFF.minus(Duration.ofHours(2)), alice);
        threadStep = TestInterception.startedAt(CUTOFF.plus(Duration.ofHours(2)), alice).inThreadOf(threadRoot).withTokens(1, 4242);
        endedAfterCutoff = TestInterception.startedAt(CUTOFF.minus(Duration.ofMinutes(30)), carol).endedAfter(Duration.ofHours(1));
        inFlightOld = TestInterception.startedAt(CUTOFF.minus(Duration.ofDays(2)), alice).notEnded();
        inFlightYoung = TestInterception.startedAt(CUTOFF.plus(Duration.ofDays(1)), carol).notEnded();
        startNotStoredOld = TestInterception.startedAt(CUTOFF.minus(Duration.ofDays(5)), carol).startNotStoredYet();
        all.addAll(spanning);
        all.addAll(entirelyOld);
        all.addAll(sharedByAlice);
        all.addAll(sharedByBob);
        all.addAll(List.of(threadRoot, threadStep, endedAfterCutoff, inFlightOld, inFlightYoung, startNotStoredOld));
    }

    /** Writes everything: interceptions with children and session summaries, orphans, users and keys. */
    public void writeWith(RecorderStyleWriter writer) throws SQLException {
        // in several transactions, as a consumer would, oldest first
        List<TestInterception> sorted = new ArrayList<>(all);
        sorted.sort((a, b) -> a.startedAt().compareTo(b.startedAt()));
        for (int from = 0; from < sorted.size(); from += 50) {
            writer.write(sorted.subList(from, Math.min(sorted.size(), from + 50)));
        }
        writer.writeOrphanTokenUsage(orphanOldInterception, orphanOldStartedAt);
        writer.writeOrphanTokenUsage(orphanYoungInterception, orphanYoungStartedAt);
        try (Connection connection = writer.open();
             PreparedStatement user = connection.prepareStatement("""
                     INSERT INTO aibridge_users (id, username, role, status, created_at, updated_at)
                     VALUES (?, ?, 'member', 'active', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')
                     """);
             PreparedStatement key = connection.prepareStatement("""
                     INSERT INTO aibridge_api_keys (id, user_id, name, secret_hash, created_at)
                     VALUES (?, ?, 'laptop', repeat('a', 64), '2020-01-02T00:00:00Z')
                     """)) {
            for (Object[] person : new Object[][]{{alice, "alice"}, {bob, "bob"}, {carol, "carol"}}) {
                user.setObject(1, person[0]);
                user.setString(2, (String) person[1]);
                user.executeUpdate();
                key.setString(1, "key-" + person[1]);
                key.setObject(2, person[0]);
                key.executeUpdate();
            }
        }
    }

    public List<TestInterception> all() {
        return List.copyOf(all);
    }

    /** The interceptions a purge at {@link #RUN_START} with a 60-day retention removes. */
    public List<TestInterception> olderThanCutoff() {
        return all.stream().filter(interception -> interception.startedAt().isBefore(CUTOFF)).toList();
    }

    public List<TestInterception> youngerThanCutoff() {
        return all.stream().filter(interception -> !interception.startedAt().isBefore(CUTOFF)).toList();
    }

    /** Rows of {@code table} that started before (or not before) the cutoff, orphans included. */
    public long rows(PartitionedTable table, boolean beforeCutoff) {
        long rows = (beforeCutoff ? olderThanCutoff() : youngerThanCutoff()).stream().mapToLong(i -> i.rows(table)).sum();
        return table == PartitionedTable.TOKEN_USAGES ? rows + 1 : rows;
    }

    /** Rows of {@code table} that belong to interceptions started on {@code day}. */
    public long rowsOnDay(PartitionedTable table, LocalDate day) {
        return all.stream().filter(interception -> LocalDate.ofInstant(interception.startedAt(), ZoneOffset.UTC).equals(day))
                .mapToLong(interception -> interception.rows(table)).sum();
    }

    /** The days entirely before the cutoff that hold data: a purge drops exactly these. */
    public List<LocalDate> expiredDays() {
        return all.stream().map(i -> LocalDate.ofInstant(i.startedAt(), ZoneOffset.UTC)).filter(day -> day.isBefore(BOUNDARY_DAY))
                .distinct().sorted().toList();
    }

    /** Rows of {@code table} on the boundary day that started before the cutoff, orphans included. */
    public long boundaryDayRowsBeforeCutoff(PartitionedTable table) {
        long rows = olderThanCutoff().stream()
                .filter(interception -> LocalDate.ofInstant(interception.startedAt(), ZoneOffset.UTC).equals(BOUNDARY_DAY))
                .mapToLong(interception -> interception.rows(table)).sum();
        return table == PartitionedTable.TOKEN_USAGES ? rows + 1 : rows;
    }

    /** Sessions (session_id/initiator_id) whose visible interceptions all started before the cutoff. */
    public Set<String> sessionsEntirelyBeforeCutoff() {
        return visibleStartsBySession().entrySet().stream()
                .filter(session -> session.getValue().stream().allMatch(start -> start.isBefore(CUTOFF)))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    /** Sessions with visible interceptions on both sides of the cutoff. */
    public Set<String> sessionsAcrossCutoff() {
        return visibleStartsBySession().entrySet().stream()
                .filter(session -> session.getValue().stream().anyMatch(start -> start.isBefore(CUTOFF))
                        && session.getValue().stream().anyMatch(start -> !start.isBefore(CUTOFF)))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
    }

    private Map<String, List<Instant>> visibleStartsBySession() {
        return all.stream().filter(i -> i.endedAt() != null && i.initiatorId() != null)
                .collect(Collectors.groupingBy(i -> i.sessionId() + "/" + i.initiatorId(),
                        Collectors.mapping(TestInterception::startedAt, Collectors.toList())));
    }

    /** The first day that has data: 90 days and 13 hours before the run. */
    public LocalDate firstDay() {
        return all.stream().map(i -> LocalDate.ofInstant(i.startedAt(), ZoneOffset.UTC)).min(LocalDate::compareTo).orElseThrow();
    }
}
