package io.aibridge.retention;

import io.aibridge.retention.schedule.PurgeScheduler;
import io.aibridge.testing.AlertRules;
import io.aibridge.testing.PostgresTestResource;
import io.aibridge.testing.PromQl;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.config.SmallRyeConfig;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** The service starts against real infrastructure and serves its probes and Prometheus metrics. */
@QuarkusTest
@WithTestResource(value = PostgresTestResource.class, initArgs = @ResourceArg(name = "migrate", value = "true"))
class HealthAndMetricsTest {

    @Inject
    PurgeScheduler scheduler;

    @Test
    void livenessAndReadinessAreUp() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("Database connections health check"));
    }

    @Test
    void servesEveryPurgeMetricFromTheStart() {
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("jvm_memory_used_bytes"))
                .body(containsString("aibridge_dbpurge_records_purged_total{record_type=\"aibridge_interceptions\"}"))
                .body(containsString("aibridge_dbpurge_records_purged_total{record_type=\"aibridge_model_thoughts\"}"))
                .body(containsString("aibridge_dbpurge_partitions_dropped_total{record_type=\"aibridge_token_usages\"}"))
                .body(containsString("aibridge_dbpurge_partitions_reattached_total{record_type=\"aibridge_interceptions\"}"))
                .body(containsString("aibridge_dbpurge_iteration_duration_seconds_bucket{success=\"true\",le=\"5.0\"}"))
                .body(containsString("aibridge_dbpurge_iteration_duration_seconds_count{success=\"false\"}"))
                .body(containsString("aibridge_dbpurge_last_success_timestamp_seconds"))
                // the settings, for alerts that follow them; the test profile keeps everything (AIBRIDGE_RETENTION=0)
                .body(containsString("aibridge_dbpurge_retention_seconds 0.0"))
                .body(containsString("aibridge_dbpurge_interval_seconds "))
                .body(containsString("aibridge_dbpurge_dry_run 0.0"))
                .body(containsString("aibridge_dbpurge_runs_skipped_total{reason=\"lock_held\"}"))
                .body(containsString("aibridge_dbpurge_sessions_removed_total"))
                .body(containsString("aibridge_dbpurge_sessions_refreshed_total"))
                .body(containsString("aibridge_dbpurge_paused_seconds_total"))
                .body(containsString("aibridge_dbpurge_dry_run_records{record_type=\"aibridge_user_prompts\"}"));
    }

    @Test
    void theDashboardAndTheAlertsWatchThePurgeWithMetricsTheServiceExports() {
        String exported = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Set<String> charted = PromQl.monitoredMetricNames();
        assertThat(AlertRules.load().metricNames()).contains("aibridge_dbpurge_last_success_timestamp_seconds",
                "aibridge_dbpurge_interval_seconds", "aibridge_dbpurge_retention_seconds", "aibridge_dbpurge_dry_run");
        assertThat(charted).contains("aibridge_dbpurge_last_success_timestamp_seconds", "aibridge_dbpurge_records_purged_total",
                "aibridge_dbpurge_iteration_duration_seconds_count", "aibridge_dbpurge_runs_skipped_total");
        assertThat(charted.stream().filter(name -> name.startsWith("aibridge_dbpurge_")))
                .allSatisfy(name -> assertThat(exported).as("exported by retention-service").containsPattern("(?m)^" + name + "[{ ]"));
    }

    @Test
    void theRunningServiceReadsEveryBooleanStrictly() {
        // telemetry's converter replaced the built-in one, which reads "ture" as false
        SmallRyeConfig config = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class);
        assertThat(config.convert("yes", Boolean.class)).isTrue();
        assertThatIllegalArgumentException().isThrownBy(() -> config.convert("ture", Boolean.class))
                .withMessageContaining("\"ture\" is not true or false");
    }

    @Test
    void schedulesNothingWhenRetentionIsZero() {
        // the test profile sets AIBRIDGE_RETENTION=0
        assertThat(scheduler.scheduled()).isFalse();
    }
}
