package io.aibridge.cli.interceptions;

import io.aibridge.cli.testing.Cli;
import io.aibridge.cli.testing.FakeApi;
import io.aibridge.cli.testing.FakeApi.Reply;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An export reads the total from its first page only: every later page asks
 * {@code include_count=false}, so that query-service does not count every matching interception
 * once per page. A query-service from before that parameter refuses it with a 400 naming it; the
 * export then goes on without it and still gets every row.
 */
class ExportCountTest {

    /** Five interceptions, newest first: three pages of two. */
    private final List<String> ids = new ArrayList<>();

    ExportCountTest() {
        for (int i = 0; i < 5; i++) {
            ids.add(UUID.randomUUID().toString());
        }
    }

    @Test
    void asksForTheCountOnTheFirstPageOnlyAndGetsEveryRow() {
        try (FakeApi api = new FakeApi()) {
            api.answerBy(r -> page(r, query(r).contains("include_count=false")));

            Cli.Result r = new Cli(api.url(), "t").ok("interceptions", "export", "--page-size", "2");

            assertThat(api.requests()).hasSize(3);
            assertThat(query(api.requests().get(0))).doesNotContain("include_count");
            assertThat(query(api.requests().get(1))).contains("include_count=false").contains("after_id=" + ids.get(1));
            assertThat(query(api.requests().get(2))).contains("include_count=false").contains("after_id=" + ids.get(3));
            assertThat(r.stdout().lines().map(line -> line.substring(7, 43)).toList()).isEqualTo(ids);
            assertThat(r.stderr()).startsWith("Exported 5 interceptions");
        }
    }

    @Test
    void goesOnWithoutTheParameterWhenAnOlderServerRefusesIt() {
        try (FakeApi api = new FakeApi()) {
            api.answerBy(r -> query(r).contains("include_count")
                    ? new Reply(400, "{\"message\":\"Query parameters have invalid values.\",\"validations\":[{\"field\":\"include_count\","
                    + "\"detail\":\"\\\"include_count\\\" is not a valid query parameter here\"}]}")
                    : page(r, false));

            Cli.Result r = new Cli(api.url(), "t").ok("interceptions", "export", "--page-size", "2");

            assertThat(r.stdout().lines()).hasSize(5);
            assertThat(api.requests()).hasSize(4);
            assertThat(query(api.requests().get(1))).contains("include_count=false");
            assertThat(query(api.requests().get(2))).doesNotContain("include_count").contains("after_id=" + ids.get(1));
            assertThat(query(api.requests().get(3))).doesNotContain("include_count").contains("after_id=" + ids.get(3));
        }
    }

    /** The page after the request's after_id, with the count unless the request opted out. */
    private Reply page(FakeApi.Request request, boolean withoutCount) {
        String q = query(request);
        int from = 0;
        for (int i = 0; i < ids.size(); i++) {
            if (q.contains("after_id=" + ids.get(i))) {
                from = i + 1;
            }
        }
        StringBuilder body = new StringBuilder("{");
        if (!withoutCount) {
            body.append("\"count\":").append(ids.size()).append(',');
        }
        body.append("\"results\":[");
        for (int i = from; i < Math.min(from + 2, ids.size()); i++) {
            if (i > from) {
                body.append(',');
            }
            body.append("{\"id\":\"").append(ids.get(i)).append("\",\"started_at\":\"")
                    .append(Instant.parse("2026-03-01T10:00:00Z").minusSeconds(i)).append("\"}");
        }
        return new Reply(200, body.append("]}").toString());
    }

    private static String query(FakeApi.Request request) {
        String q = request.uri().getRawQuery();
        return q == null ? "" : q;
    }
}
