package io.aibridge.testing;

import org.jboss.logmanager.ExtLogRecord;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The formatted messages one class logs while it is open, whatever their level: for tests that
 * check what a log line says (once per type, cut, escaped). Close it to stop listening.
 */
public final class LogLines implements AutoCloseable {

    /** A strong reference: java.util.logging keeps loggers weakly, and a collected one loses its handler. */
    private final Logger logger;
    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            lines.add(new Line(record.getLevel(), record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : record.getMessage()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogLines(Class<?> type) {
        logger = Logger.getLogger(type.getName());
        logger.addHandler(handler);
    }

    /** Starts listening to the logger of {@code type}. */
    public static LogLines of(Class<?> type) {
        return new LogLines(type);
    }

    /** What was logged so far, oldest first. */
    public List<String> lines() {
        return lines.stream().map(Line::message).toList();
    }

    /**
     * What was logged so far at {@code level}, oldest first. JBoss Logging's ERROR has the value of
     * {@link Level#SEVERE}, its WARN that of {@link Level#WARNING}.
     */
    public List<String> lines(Level level) {
        return lines.stream().filter(line -> line.level().intValue() == level.intValue()).map(Line::message).toList();
    }

    private record Line(Level level, String message) {
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
