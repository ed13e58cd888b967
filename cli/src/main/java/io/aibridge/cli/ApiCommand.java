package io.aibridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.http.ApiClient;
import io.aibridge.cli.json.Json;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * A command that calls the API. Subclasses check their own flags first (usage errors, exit 1) and
 * only then ask for {@link #client()}, so that a bad flag never leads to a request.
 */
public abstract class ApiCommand implements Callable<Integer> {

    @Spec
    protected CommandSpec spec;

    protected AibridgeCommand root() {
        return (AibridgeCommand) spec.root().userObject();
    }

    protected Io io() {
        return root().io();
    }

    protected PrintWriter out() {
        return io().out();
    }

    protected ApiClient client() {
        return root().client();
    }

    /** Prints {@code node} indented by two spaces, as the reference CLI prints JSON. */
    protected void printJson(JsonNode node) {
        io().out().flush();
        Json.writeIndented(node, io().stdout());
    }

    @Override
    public final Integer call() throws Exception {
        execute();
        io().flush();
        return ExitCodes.OK;
    }

    /** Does the work; throws {@link CliException} for anything the user should read. */
    protected abstract void execute() throws Exception;
}
