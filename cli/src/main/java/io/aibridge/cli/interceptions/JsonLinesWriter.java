package io.aibridge.cli.interceptions;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.json.Json;

import java.io.IOException;
import java.io.OutputStream;

/** JSON Lines: each interception exactly as the API returned it, compact, one per line. */
final class JsonLinesWriter implements RowWriter {

    private final JsonGenerator json;

    JsonLinesWriter(OutputStream out) {
        try {
            json = Json.MAPPER.getFactory().createGenerator(out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // one generator for the whole file; each value ends its own line
        json.setRootValueSeparator(new SerializedString(""));
    }

    @Override
    public void header() {
        // JSON Lines has no header
    }

    @Override
    public void write(JsonNode interception) throws IOException {
        Json.MAPPER.writeTree(json, interception);
        json.writeRaw('\n');
    }

    @Override
    public void flush() throws IOException {
        json.flush();
    }

    @Override
    public void close() throws IOException {
        json.close();
    }
}
