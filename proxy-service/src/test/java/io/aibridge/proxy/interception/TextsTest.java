package io.aibridge.proxy.interception;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TextsTest {

    @Test
    void keepsTextThatFits() {
        String text = "fits";
        assertThat(Texts.prefix(text, 4)).isSameAs(text);
        assertThat(Texts.prefix("", 1)).isEmpty();
    }

    @Test
    void cutsToTheLength() {
        assertThat(Texts.prefix("abcdef", 4)).isEqualTo("abcd");
    }

    @Test
    void neverKeepsHalfACharacter() {
        String rocket = "\uD83D\uDE80"; // one character, two chars
        assertThat(Texts.prefix("abc" + rocket + "d", 4)).isEqualTo("abc");
        assertThat(Texts.prefix("abc" + rocket + "d", 5)).isEqualTo("abc" + rocket);
        assertThat(Texts.prefix(rocket + rocket, 3)).isEqualTo(rocket);
    }
}
