package io.aibridge.proxy.upstream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The reference's masking: 4, 2, 1 or 0 characters at each end, joined by three dots, never asterisks. */
class CredentialHintTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            sk-abcdefghijklmnopqrstuvwxyz | sk-a...wxyz
            abcdefghijklmnopqrst          | abcd...qrst
            abcdefghijklmnopqrs           | ab...rs
            abcdefghij                    | ab...ij
            abcdefghi                     | a...i
            abcde                         | a...e
            abcd                          | ...
            a                             | ...
            """)
    void masksTheSecretByItsLength(String secret, String hint) {
        assertThat(CredentialHint.of(secret)).isEqualTo(hint);
        assertThat(hint.length()).isLessThanOrEqualTo(11);
    }
}
