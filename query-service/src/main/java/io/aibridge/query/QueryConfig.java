package io.aibridge.query;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * query-service settings. Every key has a public {@code AIBRIDGE_*} environment name, mapped in
 * {@code application.properties} and listed in the README.
 */
@ConfigMapping(prefix = "query")
public interface QueryConfig {

    /**
     * {@code AIBRIDGE_BOOTSTRAP_TOKEN}: when set, this token authenticates as the first owner
     * ({@code admin}) and, once the identity topic has been read, the service publishes that user and
     * a key entry without a usable hash if they are not there yet, so that a fresh install can be scripted.
     */
    Optional<String> bootstrapToken();

    /** Identity (users and API keys) settings. */
    Identity identity();

    /** Database read settings. */
    Database database();

    /** Bounds on the long free texts (prompts, tool inputs, thoughts) of list and detail responses. */
    Texts texts();

    /** Settings of the identity topic and of admin writes to it. */
    interface Identity {

        /**
         * {@code AIBRIDGE_IDENTITY_PUBLISH_TIMEOUT}: how long an admin write waits for Kafka to
         * acknowledge its event (acks=all) before answering 503.
         */
        @WithDefault("10s")
        Duration publishTimeout();

        /**
         * {@code AIBRIDGE_IDENTITY_APPLY_TIMEOUT}: how long an admin write then waits for this
         * replica's own identity store to apply the event (read-your-writes) before answering 503.
         */
        @WithDefault("10s")
        Duration applyTimeout();

        /**
         * {@code AIBRIDGE_IDENTITY_TOPIC_PARTITIONS}: partitions of {@code aibridge.identity.v1} when
         * this service creates it. One keeps a single total order of identity changes.
         */
        @WithDefault("1")
        int topicPartitions();

        /**
         * {@code AIBRIDGE_IDENTITY_TOPIC_REPLICATION_FACTOR}: replication factor of the identity
         * topic when this service creates it; -1 (the default) takes the broker's
         * {@code default.replication.factor}, as the proxy does for the interceptions topic.
         */
        @WithDefault("-1")
        short topicReplicationFactor();
    }

    /** Settings of the read transactions. */
    interface Database {

        /**
         * {@code AIBRIDGE_QUERY_STATEMENT_TIMEOUT}: the longest a single API request may keep the
         * database busy; a request that hits it answers 503 instead of holding a connection.
         */
        @WithDefault("30s")
        Duration statementTimeout();
    }

    /**
     * Bounds on the free texts of one list or detail response, so that no page can exhaust the
     * heap however long the recorded prompts, tool inputs and thoughts are. Texts are cut in SQL;
     * a cut field is flagged {@code <field>_truncated: true}.
     */
    interface Texts {

        /**
         * {@code AIBRIDGE_QUERY_MAX_FIELD_CHARS}: the most characters one text field of a response
         * carries (256 Ki).
         */
        @WithDefault("262144")
        int maxFieldChars();

        /**
         * {@code AIBRIDGE_QUERY_MAX_RESPONSE_CHARS}: the budget of one response's text fields (32 Mi),
         * estimated from their stored size. Fields are given whole (up to the field cap) in response
         * order until it is spent; every later field is a 4096-character preview, out of a fixed
         * reserve of 1 Mi characters of previews per response, and empty once that is spent too.
         */
        @WithDefault("33554432")
        long maxResponseChars();
    }
}
