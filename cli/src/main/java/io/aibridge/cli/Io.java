package io.aibridge.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Where the command reads its environment and writes its output. Output is always UTF-8, whatever
 * the platform's default charset (a bare {@code LANG} would otherwise turn prompts into question
 * marks). Tests build one over byte buffers with their own environment.
 */
public final class Io {

    /** Set to {@code true}/{@code false} by the launcher ({@code [ -t 2 ]}): is stderr a terminal. */
    static final String STDERR_TTY_PROPERTY = "aibridge.stderr.tty";
    static final String STDOUT_TTY_PROPERTY = "aibridge.stdout.tty";

    private final OutputStream stdout;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Map<String, String> env;
    private final boolean stdoutTerminal;
    private final boolean stderrTerminal;

    public Io(OutputStream stdout, OutputStream stderr, Map<String, String> env, boolean stdoutTerminal, boolean stderrTerminal) {
        // picocli and the commands close nothing they did not open: the raw streams stay open
        this.stdout = new FilterOutputStream(stdout) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
        this.out = new PrintWriter(new OutputStreamWriter(this.stdout, StandardCharsets.UTF_8), false);
        this.err = new PrintWriter(new OutputStreamWriter(new FilterOutputStream(stderr) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        }, StandardCharsets.UTF_8), true);
        this.env = Map.copyOf(env);
        this.stdoutTerminal = stdoutTerminal;
        this.stderrTerminal = stderrTerminal;
    }

    /** The process's own streams and environment. */
    public static Io system() {
        return new Io(new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err), System.getenv(),
                terminal(STDOUT_TTY_PROPERTY, 1), terminal(STDERR_TTY_PROPERTY, 2));
    }

    /** Raw bytes to stdout (exports); flush {@link #out()} first if both are used. */
    public OutputStream stdout() {
        return stdout;
    }

    /** Text to stdout. */
    public PrintWriter out() {
        return out;
    }

    /** Text to stderr (autoflush on println). */
    public PrintWriter err() {
        return err;
    }

    public Optional<String> env(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    public boolean stdoutTerminal() {
        return stdoutTerminal;
    }

    public boolean stderrTerminal() {
        return stderrTerminal;
    }

    /** Terminal width from {@code COLUMNS}, else 100. */
    public int columns() {
        return env("COLUMNS").map(c -> {
            try {
                return Math.max(40, Integer.parseInt(c));
            } catch (NumberFormatException e) {
                return 100;
            }
        }).orElse(100);
    }

    public void flush() {
        out.flush();
        err.flush();
    }

    private static boolean terminal(String property, int fd) {
        String told = System.getProperty(property);
        if (told != null) {
            return Boolean.parseBoolean(told);
        }
        // started without the launcher: ask Linux where the descriptor points
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }
}
