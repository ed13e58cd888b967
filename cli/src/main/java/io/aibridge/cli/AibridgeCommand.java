package io.aibridge.cli;

import io.aibridge.cli.admin.KeysCommand;
import io.aibridge.cli.admin.UsersCommand;
import io.aibridge.cli.http.ApiClient;
import io.aibridge.cli.http.Network;
import io.aibridge.cli.http.UrlDisplay;
import io.aibridge.cli.interceptions.InterceptionsCommand;
import io.aibridge.cli.sessions.SessionsCommand;
import io.aibridge.cli.usage.UsageCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code aibridge}: AI Bridge from a terminal or a script, over the query API. Exit codes: 0 ok, 1
 * usage error (found before any request), 2 server, authentication or network error.
 */
// scope INHERIT: every subcommand gets --help, --version and this footer unless it sets its own
@Command(name = "aibridge", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true, versionProvider = Version.class,
        sortOptions = false,
        description = "Manage AI Bridge.",
        subcommands = {InterceptionsCommand.class, SessionsCommand.class, UsageCommand.class, UsersCommand.class, KeysCommand.class},
        footerHeading = "%n",
        footer = {
                "Environment:",
                "  AIBRIDGE_URL    the query API (default " + "http://localhost:8081" + ")",
                "  AIBRIDGE_TOKEN  your API key (aib_...) or the bootstrap token",
                "  HTTPS_PROXY, HTTP_PROXY, NO_PROXY  the proxy to reach it through",
                "  AIBRIDGE_CA_FILE  PEM certificates of CAs to trust besides the JDK's",
                "",
                "Exit codes: 0 ok; 1 usage error (bad flag or value, nothing was sent);",
                "            2 error from the server (printed), or it could not be reached."})
public class AibridgeCommand extends GroupCommand {

    /** The query API when neither {@code --url} nor {@code AIBRIDGE_URL} names one: the local stack. */
    public static final String DEFAULT_URL = "http://localhost:8081";

    @Option(names = "--url", paramLabel = "URL", scope = ScopeType.INHERIT, order = 90,
            description = "AI Bridge's query API. Default: $AIBRIDGE_URL, else " + DEFAULT_URL + ".")
    String url;

    @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT, order = 91,
            description = "API key or bootstrap token. Default: $AIBRIDGE_TOKEN (preferred: a flag is visible in the process list).")
    String token;

    @Option(names = "--timeout", paramLabel = "SECONDS", scope = ScopeType.INHERIT, order = 92, defaultValue = "60",
            description = "How long to wait for an answer, and for more of one that is arriving. Default: ${DEFAULT-VALUE}.")
    int timeoutSeconds;

    private final Io io;

    public AibridgeCommand(Io io) {
        this.io = io;
    }

    public Io io() {
        return io;
    }

    /**
     * The API client, after checking the connection settings (a usage error, exit 1, when they are
     * missing or malformed). Commands call it only once their own flags are checked.
     */
    public ApiClient client() {
        String base = url != null && !url.isBlank() ? url.trim() : io.env("AIBRIDGE_URL").orElse(DEFAULT_URL);
        // the value is printed only through UrlDisplay: it may hold user info or a key in the query
        String shown = UrlDisplay.of(base);
        URI uri;
        try {
            uri = new URI(base);
        } catch (URISyntaxException e) {
            throw CliException.usage("invalid URL \"" + shown + "\" (--url or AIBRIDGE_URL): " + e.getReason());
        }
        if (uri.getRawUserInfo() != null) {
            // it would be printed in every error message; the API authenticates with the token
            throw CliException.usage("invalid URL (--url or AIBRIDGE_URL): credentials in the URL are not used; set AIBRIDGE_TOKEN");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw CliException.usage("invalid URL \"" + shown + "\" (--url or AIBRIDGE_URL): expected http(s)://host[:port][/path]");
        }
        String key = token != null && !token.isBlank() ? token.trim() : io.env("AIBRIDGE_TOKEN").orElse(null);
        if (key == null) {
            throw CliException.usage("no API token: set AIBRIDGE_TOKEN (or pass --token)");
        }
        if (key.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw CliException.usage("invalid API token: it may contain only printable ASCII without spaces");
        }
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw CliException.usage("--timeout must be between 1 and 3600 seconds");
        }
        Network network = Network.fromEnvironment(io::env);
        if (scheme.equals("http") && !Network.isLoopback(uri.getHost())) {
            io.err().println("Warning: the API token is sent unencrypted over http:// to " + uri.getHost()
                    + "; use an https:// URL (AIBRIDGE_URL or --url).");
        }
        return new ApiClient(uri, key, Duration.ofSeconds(timeoutSeconds), network);
    }

    /** The command line wired to {@code io}, with AI Bridge's exit codes. */
    public static CommandLine commandLine(Io io) {
        CommandLine cli = new CommandLine(new AibridgeCommand(io));
        cli.setOut(io.out());
        cli.setErr(io.err());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((ex, args) -> {
            String command = ex.getCommandLine().getCommandSpec().qualifiedName();
            ex.getCommandLine().getErr().println(ex.getMessage() + " (see '" + command + " --help')");
            return ExitCodes.USAGE_ERROR;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (brokenPipe(ex)) {
                // the reader of stdout went away (| head): stop quietly, as command-line tools do
                return ExitCodes.OK;
            }
            commandLine.getOut().flush();
            commandLine.getErr().println(describe(ex, io));
            return ex instanceof CliException c ? c.exitCode() : ExitCodes.SERVER_ERROR;
        });
        return cli;
    }

    /** Runs one command line; returns its exit code. */
    public static int run(Io io, String... args) {
        try {
            return commandLine(io).execute(args);
        } finally {
            io.flush();
        }
    }

    public static void main(String[] args) {
        System.exit(run(Io.system(), args));
    }

    private static boolean brokenPipe(Exception ex) {
        Throwable cause = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        return cause instanceof IOException && String.valueOf(cause.getMessage()).contains("Broken pipe");
    }

    private static String describe(Exception ex, Io io) {
        if (ex instanceof CliException) {
            return ex.getMessage();
        }
        if (ex instanceof UncheckedIOException u && u.getCause() != null) {
            return "Cannot write the output: " + u.getCause().getMessage();
        }
        if (ex instanceof IOException) {
            return "Cannot write the output: " + ex.getMessage();
        }
        if (io.env("AIBRIDGE_DEBUG").isPresent()) {
            java.io.StringWriter trace = new java.io.StringWriter();
            ex.printStackTrace(new java.io.PrintWriter(trace));
            return "Unexpected error: " + trace;
        }
        return "Unexpected error: " + ex + " (set AIBRIDGE_DEBUG=1 for details)";
    }
}
