package io.aibridge.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class AibridgeCommandTest {

    @Test
    void helpDescribesTheCommandAndExitsZero() {
        StringWriter out = new StringWriter();
        CommandLine cli = AibridgeCommand.commandLine();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute("--help")).isZero();
        assertThat(out.toString()).contains("Usage: aibridge").contains("Manage AI Bridge.");
    }

    @Test
    void anUnknownFlagIsAUsageErrorWithExitCodeOne() {
        StringWriter err = new StringWriter();
        CommandLine cli = AibridgeCommand.commandLine();
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute("--no-such-flag")).isEqualTo(AibridgeCommand.USAGE_ERROR);
        assertThat(err.toString()).contains("--no-such-flag");
    }
}
