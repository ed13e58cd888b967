package io.aibridge.cli;

/**
 * A failure the command reports itself: its message is printed on stderr as is, and the process
 * exits with {@link #exitCode()}. No stack trace is ever shown to the user.
 */
public class CliException extends RuntimeException {

    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** A bad flag or value, found before any request was made: exit code 1. */
    public static CliException usage(String message) {
        return new CliException(ExitCodes.USAGE_ERROR, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
