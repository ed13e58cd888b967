package io.aibridge.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;

import java.util.concurrent.TimeUnit;

/**
 * Adds each log record written while a recording span is current to that span, as an event named
 * {@code log} (the logs a request produced show up on its trace). Records written outside a span
 * are ignored. Attribute names follow OpenTelemetry's log and exception conventions.
 */
public final class TraceLogHandler extends ExtHandler {

    /** The event name. */
    public static final String EVENT = "log";
    public static final AttributeKey<String> SEVERITY = AttributeKey.stringKey("log.severity");
    public static final AttributeKey<String> MESSAGE = AttributeKey.stringKey("log.message");
    public static final AttributeKey<String> LOGGER = AttributeKey.stringKey("log.logger");
    public static final AttributeKey<String> THREAD = AttributeKey.stringKey("thread.name");
    public static final AttributeKey<String> EXCEPTION_TYPE = AttributeKey.stringKey("exception.type");
    public static final AttributeKey<String> EXCEPTION_MESSAGE = AttributeKey.stringKey("exception.message");

    @Override
    protected void doPublish(ExtLogRecord record) {
        Span span = Span.current();
        if (!span.isRecording()) {
            return;
        }
        AttributesBuilder attributes = Attributes.builder()
                .put(SEVERITY, record.getLevel().getName())
                .put(MESSAGE, record.getFormattedMessage())
                .put(THREAD, record.getThreadName());
        if (record.getLoggerName() != null) {
            attributes.put(LOGGER, record.getLoggerName());
        }
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            // the type and message only: a stack trace per log line would swamp the trace
            attributes.put(EXCEPTION_TYPE, thrown.getClass().getName());
            if (thrown.getMessage() != null) {
                attributes.put(EXCEPTION_MESSAGE, thrown.getMessage());
            }
        }
        span.addEvent(EVENT, attributes.build(), record.getInstant().toEpochMilli(), TimeUnit.MILLISECONDS);
    }
}
