package io.aibridge.cli.interceptions;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Locale;

/** The export's file formats. */
public enum ExportFormat {
    /** One interception per line, as the API returns it (compact JSON). */
    jsonl,
    /** One interception per record, flattened: see {@link CsvRows}. */
    csv;

    /** The format a file name suggests: {@code .csv} is CSV, anything else JSON Lines. */
    static ExportFormat forFile(Path file) {
        return file != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv") ? csv : jsonl;
    }

    RowWriter writer(OutputStream out) {
        return this == csv ? new CsvRows.Writer(out) : new JsonLinesWriter(out);
    }
}
