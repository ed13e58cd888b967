package io.aibridge.cli.interceptions;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

/** Writes exported interceptions, one record each. Buffered: {@link #flush()} after every page. */
interface RowWriter extends AutoCloseable {

    /** The first record of a new file, if the format has one. */
    void header() throws IOException;

    void write(JsonNode interception) throws IOException;

    void flush() throws IOException;

    @Override
    void close() throws IOException;
}
