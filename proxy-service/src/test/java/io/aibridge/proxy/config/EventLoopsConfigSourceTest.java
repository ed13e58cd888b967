package io.aibridge.proxy.config;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.aibridge.proxy.config.EventLoopsConfigSource.PROPERTY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The proxy's event loops: one per core unless AIBRIDGE_EVENT_LOOPS says otherwise, and Quarkus's own setting wins. */
class EventLoopsConfigSourceTest {

    @Test
    void oneLoopPerCoreUnlessTheVariableNamesAnotherNumber() {
        assertThat(new EventLoopsConfigSource(null, 2).getValue(PROPERTY)).isEqualTo("2");
        assertThat(new EventLoopsConfigSource(" ", 8).getValue(PROPERTY)).isEqualTo("8");
        assertThat(new EventLoopsConfigSource(" 3 ", 2).getValue(PROPERTY)).isEqualTo("3");
        assertThat(new EventLoopsConfigSource("1024", 2).getValue(PROPERTY)).isEqualTo("1024");
        assertThat(new EventLoopsConfigSource(null, 0).getValue(PROPERTY)).as("never no loop at all").isEqualTo("1");
        assertThat(new EventLoopsConfigSource(null, 2).getPropertyNames()).containsExactly(PROPERTY);
    }

    @Test
    void whatIsNoNumberOfLoopsStopsTheServiceNamingTheVariable() {
        for (String wrong : new String[] {"0", "-1", "two", "2.5", "1025", "99999999999"}) {
            assertThatThrownBy(() -> new EventLoopsConfigSource(wrong, 2)).as(wrong)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("AIBRIDGE_EVENT_LOOPS=" + wrong + " is not a number of event loops; use a whole number from 1 to 1024,"
                            + " or leave it unset for one per core (2 here)");
        }
    }

    @Test
    void quarkusOwnSettingAndApplicationPropertiesWin() {
        SmallRyeConfig defaults = new SmallRyeConfigBuilder().withSources(new EventLoopsConfigSource(null, 2)).build();
        assertThat(defaults.getValue(PROPERTY, Integer.class)).isEqualTo(2);

        SmallRyeConfig environment = new SmallRyeConfigBuilder().withSources(new EventLoopsConfigSource("3", 2),
                new PropertiesConfigSource(Map.of(PROPERTY, "6"), "QUARKUS_VERTX_EVENT_LOOPS_SIZE", 300)).build();
        assertThat(environment.getValue(PROPERTY, Integer.class)).isEqualTo(6);

        SmallRyeConfig properties = new SmallRyeConfigBuilder().withSources(new EventLoopsConfigSource(null, 2),
                new PropertiesConfigSource(Map.of(PROPERTY, "5"), "application.properties", 250)).build();
        assertThat(properties.getValue(PROPERTY, Integer.class)).isEqualTo(5);
    }
}
