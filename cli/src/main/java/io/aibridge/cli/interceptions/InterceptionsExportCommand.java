package io.aibridge.cli.interceptions;

import io.aibridge.cli.ApiCommand;
import io.aibridge.cli.CliException;
import io.aibridge.cli.ExitCodes;
import io.aibridge.cli.http.ApiClient;
import io.aibridge.cli.options.Checks;
import io.aibridge.cli.options.FilterOptions;
import io.aibridge.cli.options.Filters;
import io.aibridge.cli.text.Format;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code aibridge interceptions export}: every matching interception, across all pages, streamed to
 * a file or stdout as JSON Lines or CSV; resumable; memory flat whatever the number of rows.
 */
@Command(name = "export", sortOptions = false,
        description = {"Export every matching AI Bridge interception as JSON Lines or CSV.",
                "",
                "Walks all pages (newest first) and streams each interception to the output as it arrives, so memory"
                        + " stays flat for any number of rows. JSON Lines holds each interception as the API returns it;"
                        + " CSV flattens it (see the columns in the README). A progress bar is drawn on stderr when it is"
                        + " a terminal. An interrupted export to a file continues with --resume."},
        footerHeading = "%nExamples:%n",
        footer = {"  aibridge interceptions export --started-after 2026-03-01T00:00:00Z \\",
                "      --output march.jsonl",
                "  aibridge interceptions export --format csv --provider anthropic > anthropic.csv",
                "  aibridge interceptions export --started-after 2026-03-01T00:00:00Z \\",
                "      --output march.jsonl --resume     (continues where it stopped)"})
public class InterceptionsExportCommand extends ApiCommand {

    @Mixin
    FilterOptions filters;

    @Option(names = "--format", paramLabel = "FORMAT", order = 20,
            description = "jsonl or csv. Default: csv when --output ends in .csv, else jsonl.")
    ExportFormat format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", order = 21,
            description = "Write to this file instead of stdout.")
    Path output;

    @Option(names = "--resume", order = 22,
            description = "Continue an interrupted export: reads the last record of --output and appends what comes after it."
                    + " Give the same filters as the first run.")
    boolean resume;

    @Option(names = "--force", order = 23, description = "Overwrite --output if it exists.")
    boolean force;

    @Option(names = "--page-size", paramLabel = "N", order = 24, defaultValue = "1000",
            description = "Interceptions per request, 1 to 1000. Default: ${DEFAULT-VALUE}.")
    int pageSize;

    @Option(names = "--retries", paramLabel = "N", order = 25, defaultValue = "3",
            description = "Retries of a failed page (network error, 429, 502, 503, 504), with backoff. Default: ${DEFAULT-VALUE}.")
    int retries;

    @Option(names = "--progress", negatable = true, order = 26,
            description = "Draw a progress bar on stderr. Default: when stderr is a terminal.")
    Boolean progress;

    @Option(names = {"-q", "--quiet"}, order = 27, description = "Print nothing on stderr but errors.")
    boolean quiet;

    @Override
    protected void execute() throws IOException {
        Filters f = filters.validate();
        Checks.range("--page-size must be between 1 and 1000", pageSize, 1, 1000);
        Checks.range("--retries must be between 0 and 10", retries, 0, 10);
        ExportFormat fmt = format != null ? format : ExportFormat.forFile(output);
        if (resume && force) {
            throw CliException.usage("--resume and --force exclude each other");
        }
        if (resume && output == null) {
            throw CliException.usage("--resume needs --output FILE: an export to stdout cannot be resumed");
        }
        if (output != null && Files.isDirectory(output)) {
            throw CliException.usage("--output " + output + " is a directory");
        }
        if (output != null && !resume && !force && Files.exists(output) && Files.size(output) > 0) {
            throw CliException.usage("--output " + output + " exists; add --resume to continue that export, or --force to overwrite it");
        }
        if (output != null && output.toAbsolutePath().getParent() != null && !Files.isDirectory(output.toAbsolutePath().getParent())) {
            throw CliException.usage("--output " + output + ": no such directory " + output.toAbsolutePath().getParent());
        }
        ApiClient client = client();
        ResumePoint start = new ResumePoint(0, null, null, false, 0);
        if (resume && Files.exists(output)) {
            try {
                start = ResumePoint.read(output, fmt);
            } catch (IOException e) {
                throw CliException.usage("cannot resume " + output + ": " + e.getMessage());
            }
        }

        boolean drawProgress = !quiet && (progress != null ? progress : io().stderrTerminal());
        Progress bar = new Progress(io().err(), drawProgress, io().columns(), start.rows());
        if (start.removedBytes() > 0 && !quiet) {
            io().err().println("Cut off an incomplete last record (" + Format.number(start.removedBytes()) + " bytes) of " + output + ".");
        }
        if (start.lastId() != null && !quiet) {
            io().err().println("Resuming after interception " + start.lastId() + " (" + Format.number(start.rows())
                    + " already in " + output + ").");
        }
        long begun = System.nanoTime();
        if (output == null) {
            io().out().flush();
        }
        OutputStream target = output == null ? io().stdout()
                : Files.newOutputStream(output, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                resume ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        RowWriter writer = fmt.writer(new BufferedOutputStream(target, 64 * 1024));
        long written;
        try {
            if (!start.headerWritten()) {
                writer.header();
            }
            written = new InterceptionWalker(client, f, pageSize, retries, start.lastId(), start.lastStartedAt())
                    .walk(row -> {
                        try {
                            writer.write(row);
                        } catch (IOException e) {
                            throw new InterceptionWalker.OutputFailure(cannotWrite(e), e);
                        }
                        bar.advance();
                    }, listener(writer, bar, start));
            writer.close();
        } catch (CliException e) {
            closeQuietly(writer);
            bar.finish();
            if (brokenPipe(e)) {
                return;
            }
            String hint = output == null ? ""
                    : "\nExported " + Format.number(bar.done() - start.rows())
                    + " interceptions before this error; run the same command with --resume to continue.";
            throw new CliException(e.exitCode(), e.getMessage() + hint, e);
        } catch (IOException e) {
            closeQuietly(writer);
            bar.finish();
            throw new CliException(ExitCodes.SERVER_ERROR, cannotWrite(e), e);
        }
        bar.finish();
        if (!quiet) {
            double seconds = (System.nanoTime() - begun) / 1e9;
            String where = output == null ? "" : " to " + output;
            String before = start.rows() > 0 ? " (" + Format.number(start.rows()) + " were already there)" : "";
            io().err().printf(Locale.ROOT, "Exported %s interceptions%s%s in %.1fs.%n", Format.number(written), where, before, seconds);
        }
    }

    private InterceptionWalker.Listener listener(RowWriter writer, Progress bar, ResumePoint start) {
        return new InterceptionWalker.Listener() {
            @Override
            public void total(long count, boolean remainingOnly) {
                bar.total(remainingOnly ? start.rows() + count : count);
            }

            @Override
            public void pageDone() {
                try {
                    writer.flush();
                } catch (IOException e) {
                    throw new InterceptionWalker.OutputFailure(cannotWrite(e), e);
                }
            }

            @Override
            public void retrying(String why, Duration wait) {
                if (!quiet) {
                    bar.message(why + " (retrying in " + wait.toSeconds() + "s)");
                }
            }
        };
    }

    private String cannotWrite(IOException e) {
        return "Cannot write " + (output == null ? "to stdout" : output.toString()) + ": " + e.getMessage();
    }

    private boolean brokenPipe(CliException e) {
        // stdout closed by the reader (| head): stop quietly, as command-line tools do
        return output == null && e instanceof InterceptionWalker.OutputFailure && e.getCause() != null
                && String.valueOf(e.getCause().getMessage()).contains("Broken pipe");
    }

    private static void closeQuietly(RowWriter writer) {
        try {
            writer.close();
        } catch (IOException ignored) {
            // the error being reported matters more
        }
    }
}
