package io.aibridge.recorder.consumer;

import io.aibridge.events.Event;

import java.sql.SQLException;
import java.util.List;

/**
 * Stores a batch of decoded events in PostgreSQL, in one transaction. Implementations are
 * idempotent on the event id (a redelivered batch changes nothing) and order-free (the final rows
 * do not depend on the order or the batching of the events).
 *
 * @param <E> the events of one topic
 */
public interface EventWriter<E extends Event> {

    /**
     * Stores the events, all or nothing.
     *
     * @throws SQLException (or a runtime exception) when nothing was stored; the caller tells a
     *                      failure that passes from one an event causes
     */
    void write(List<E> events) throws SQLException;
}
