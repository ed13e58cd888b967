package io.aibridge.events;

/**
 * Kafka header names of the CloudEvents 1.0 Kafka protocol binding, binary content mode.
 * Header values are UTF-8 strings.
 */
public final class CloudEventHeaders {

    public static final String SPEC_VERSION = "ce_specversion";
    public static final String ID = "ce_id";
    public static final String TYPE = "ce_type";
    public static final String SOURCE = "ce_source";
    public static final String TIME = "ce_time";
    public static final String SUBJECT = "ce_subject";
    public static final String DATA_SCHEMA = "ce_dataschema";
    /** In binary mode the CloudEvents {@code datacontenttype} maps onto the plain {@code content-type} header. */
    public static final String CONTENT_TYPE = "content-type";

    public static final String SPEC_VERSION_VALUE = "1.0";
    public static final String JSON = "application/json";

    /** Set by consumers on dead-lettered records: why the record could not be stored. */
    public static final String DEAD_LETTER_REASON = "aibridge_dlq_reason";

    private CloudEventHeaders() {
    }
}
