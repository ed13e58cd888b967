package io.aibridge.events;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TimeOrderedIdsTest {

    @Test
    void anIdIsAVersion7Rfc9562UuidThatCarriesItsMillisecond() {
        long before = System.currentTimeMillis();
        UUID id = TimeOrderedIds.next();
        long after = System.currentTimeMillis();
        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2); // the RFC's variant, 10 in binary
        assertThat(TimeOrderedIds.unixMillis(id)).isBetween(before, after);
        // the text form starts with the 48-bit time in hex, so ids also sort by time as text
        assertThat(id.toString().replace("-", "").substring(0, 12)).isEqualTo(String.format("%012x", TimeOrderedIds.unixMillis(id)));
    }

    @Test
    void theLayoutKeepsTheGivenTimeAndRandomBits() {
        long millis = Instant.parse("2026-11-29T05:10:00.123Z").toEpochMilli();
        UUID id = TimeOrderedIds.of(millis, -1L, -1L);
        assertThat(id.getMostSignificantBits()).isEqualTo(millis << 16 | 0x7FFFL);
        assertThat(id.getLeastSignificantBits()).isEqualTo(0xBFFF_FFFF_FFFF_FFFFL);
        UUID zeros = TimeOrderedIds.of(millis, 0L, 0L);
        assertThat(zeros.getMostSignificantBits()).isEqualTo(millis << 16 | 0x7000L);
        assertThat(zeros.getLeastSignificantBits()).isEqualTo(0x8000_0000_0000_0000L);
        assertThat(TimeOrderedIds.of(millis, 12345L, 67890L)).isEqualTo(TimeOrderedIds.of(millis, 12345L, 67890L));
    }

    @Test
    void idsOfLaterMillisecondsCompareGreaterAsUnsignedBytesLikePostgres() {
        // PostgreSQL orders uuids by their bytes, unsigned; java.util.UUID.compareTo is signed, so compare the text
        List<UUID> ids = new ArrayList<>();
        long millis = Instant.parse("2026-11-29T00:00:00Z").toEpochMilli();
        for (int i = 0; i < 1_000; i++) {
            ids.add(TimeOrderedIds.of(millis + i, Long.MIN_VALUE >>> (i % 60), -1L - i));
        }
        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i).toString()).isGreaterThan(ids.get(i - 1).toString());
        }
    }

    @Test
    void twoHundredThousandIdsAreDistinct() {
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < 200_000; i++) {
            assertThat(seen.add(TimeOrderedIds.next())).isTrue();
        }
    }

    @Test
    void timesOutsideFortyEightBitsAndOtherVersionsAreRefused() {
        assertThatThrownBy(() -> TimeOrderedIds.of(-1, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimeOrderedIds.of(1L << 48, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimeOrderedIds.unixMillis(UUID.randomUUID())).isInstanceOf(IllegalArgumentException.class);
    }
}
