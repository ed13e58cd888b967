package io.aibridge.cli;

/** The exit codes scripts can rely on. */
public final class ExitCodes {

    /** Success. */
    public static final int OK = 0;
    /** A bad flag or value, rejected before any request was made. */
    public static final int USAGE_ERROR = 1;
    /** The server answered with an error (authentication included), or could not be reached. */
    public static final int SERVER_ERROR = 2;

    private ExitCodes() {
    }
}
