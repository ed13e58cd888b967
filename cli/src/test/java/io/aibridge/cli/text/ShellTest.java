package io.aibridge.cli.text;

import io.aibridge.cli.testing.ShellWords;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Values quoted for a pasted command line, read back by a real shell. */
class ShellTest {

    static final List<String> AWKWARD = List.of("my session", "it's", "'", "", "=cmd", "~root", "#not a comment",
            "$(echo pwned) `id` ; | & > < * ? [x] ! {a,b} \\ \"", "tab\tand\nnewline", "a'b\\c\nd",
            "esc\u001b[31m csi\u009b rtl\u202e isolate\u2069 ünïcödé 🙂", "--limit", "-x y");

    @Test
    void plainValuesStayAsTheyAre() {
        assertThat(Shell.quote("cs-alpha")).isEqualTo("cs-alpha");
        assertThat(Shell.quote("0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f21")).isEqualTo("0b6c1e2a-4f5d-4c3b-9a8e-7d6c5b4a3f21");
        assertThat(Shell.quote("2026-03-01T00:00:00+01:00")).isEqualTo("2026-03-01T00:00:00+01:00");
        assertThat(Shell.quote("user@example.com,a=b/c_d.e%f")).isEqualTo("user@example.com,a=b/c_d.e%f");
    }

    @Test
    void otherValuesAreSingleQuotedOrDollarQuotedWhenTheyHoldControls() {
        assertThat(Shell.quote("my session")).isEqualTo("'my session'");
        assertThat(Shell.quote("it's")).isEqualTo("'it'\\''s'");
        assertThat(Shell.quote("")).isEqualTo("''");
        assertThat(Shell.quote("=cmd")).isEqualTo("'=cmd'");
        assertThat(Shell.quote("a'b\\c\nd")).isEqualTo("$'a\\'b\\\\c\\x0ad'");
        assertThat(Shell.quote("x\u001b[2J\u202e")).isEqualTo("$'x\\x1b[2J\\xe2\\x80\\xae'");
    }

    @Test
    void everyQuotedValueIsOneWordForTheShellAndOnePrintableLine() {
        for (String value : AWKWARD) {
            String quoted = Shell.quote(value);

            assertThat(ShellWords.split(quoted)).as(quoted).containsExactly(value);
            assertThat(quoted.chars().filter(c -> c < 0x20 || c >= 0x7f && c <= 0x9f || c >= 0x202a && c <= 0x202e
                    || c >= 0x2066 && c <= 0x2069)).as(quoted).isEmpty();
        }
    }

    @Test
    void anOperandStartingWithADashComesAfterTheEndOfTheOptions() {
        String line = Shell.command("aibridge", "sessions", "show").operand("-x y").option("--after-id", "a b")
                .option("--skipped", null).option("--skipped", "").toString();

        assertThat(line).isEqualTo("aibridge sessions show --after-id 'a b' -- '-x y'");
        assertThat(ShellWords.split(line)).containsExactly("aibridge", "sessions", "show", "--after-id", "a b", "--", "-x y");
        assertThat(Shell.command("aibridge", "sessions", "show").operand("cs-1").option("--after-id", "-x"))
                .hasToString("aibridge sessions show cs-1 --after-id -x");
    }
}
