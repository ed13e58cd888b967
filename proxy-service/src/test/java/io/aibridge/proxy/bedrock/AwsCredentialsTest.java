package io.aibridge.proxy.bedrock;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a set of AWS credentials shows of itself, and when it counts as expiring. */
class AwsCredentialsTest {

    private static final Instant NOW = Instant.parse("2025-03-14T15:00:00Z");
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final String TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";

    @Test
    void toStringShowsNeitherTheSecretNorTheTokenNorTheWholeKeyId() {
        AwsCredentials credentials = new AwsCredentials("ASIAEXAMPLEKEYID", SECRET, TOKEN, NOW.plusSeconds(3600));

        assertThat(credentials.toString())
                .doesNotContain(SECRET).doesNotContain(TOKEN).doesNotContain("ASIAEXAMPLEKEYID")
                .contains("ASIA…").contains("sessionToken=present").contains("2025-03-14T16:00:00Z");
    }

    @Test
    void expiresWithinCountsFromNowAndNeverForKeysWithoutExpiration() {
        AwsCredentials temporary = new AwsCredentials("ASIAEXAMPLE", SECRET, TOKEN, NOW.plus(Duration.ofMinutes(10)));

        assertThat(temporary.expiresWithin(Duration.ofMinutes(5), NOW)).isFalse();
        assertThat(temporary.expiresWithin(Duration.ofMinutes(10), NOW)).isTrue();
        assertThat(temporary.expiresWithin(Duration.ZERO, NOW.plus(Duration.ofMinutes(11)))).isTrue();
        assertThat(AwsCredentials.of("AKIDEXAMPLE", SECRET).expiresWithin(Duration.ofDays(3650), NOW)).isFalse();
    }

    @Test
    void aBlankSessionTokenIsNoneAndAMissingSecretIsRefused() {
        assertThat(new AwsCredentials("AKIDEXAMPLE", SECRET, " ", null).sessionToken()).isNull();
        assertThatThrownBy(() -> new AwsCredentials("AKIDEXAMPLE", "", null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("secret access key")
                .hasMessageNotContaining("AKIDEXAMPLE");
    }
}
