package io.aibridge.cli.options;

/** The output forms of the commands that are not exports. */
public final class OutputOptions {

    private OutputOptions() {
    }

    /** Lists: a table for people, or the API's JSON for scripts. (Lower-case: they are the flag's values.) */
    public enum TableOrJson { table, json }

    /** Single objects: readable text, or the API's JSON. */
    public enum TextOrJson { text, json }
}
