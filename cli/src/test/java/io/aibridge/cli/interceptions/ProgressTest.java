package io.aibridge.cli.interceptions;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The progress bar's line. */
class ProgressTest {

    @Test
    void showsPercentBarCountsRateAndTimeLeft() {
        Progress p = new Progress(new PrintWriter(new StringWriter()), true, 80, 0);
        p.total(2000);
        for (int i = 0; i < 500; i++) {
            p.advance();
        }

        String line = p.line(System.nanoTime());

        assertThat(line).hasSize(79).startsWith(" 25% [");
        assertThat(line).containsPattern("\\[=+> +] 500/2,000  [\\d,]+/s  ETA \\S+ *$");
    }

    @Test
    void aResumedExportCountsWhatWasAlreadyThere() {
        Progress p = new Progress(new PrintWriter(new StringWriter()), true, 100, 1500);
        p.total(2000);

        assertThat(p.line(System.nanoTime())).startsWith(" 75% [").contains(" 1,500/2,000 ");
    }

    @Test
    void disabledItDrawsNothing() {
        StringWriter err = new StringWriter();
        Progress p = new Progress(new PrintWriter(err), false, 80, 0);
        p.total(10);
        p.advance();
        p.finish();

        assertThat(err.toString()).isEmpty();
    }
}
