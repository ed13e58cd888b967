package io.aibridge.query.db;

import io.aibridge.query.QueryConfig;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A field cap or response budget out of range stops the start with a message naming the variable. */
class TextLimitsTest {

    @Test
    void refusesAFieldCapBelowOneOrAboveAGibi() {
        assertThatThrownBy(() -> new TextLimits(config(0, 100))).hasMessageContaining("AIBRIDGE_QUERY_MAX_FIELD_CHARS")
                .hasMessageContaining("not 0");
        assertThatThrownBy(() -> new TextLimits(config((1 << 30) + 1, 100))).hasMessageContaining("AIBRIDGE_QUERY_MAX_FIELD_CHARS");
    }

    @Test
    void refusesANegativeBudgetAndTakesZero() {
        assertThatThrownBy(() -> new TextLimits(config(10, -1))).hasMessageContaining("AIBRIDGE_QUERY_MAX_RESPONSE_CHARS");
        assertThat(new TextLimits(config(10, 0)).budget()).isNotNull();
    }

    private static QueryConfig config(int fieldChars, long responseChars) {
        QueryConfig.Texts texts = (QueryConfig.Texts) Proxy.newProxyInstance(QueryConfig.class.getClassLoader(),
                new Class<?>[] {QueryConfig.Texts.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "maxFieldChars" -> fieldChars;
                    case "maxResponseChars" -> responseChars;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return (QueryConfig) Proxy.newProxyInstance(QueryConfig.class.getClassLoader(), new Class<?>[] {QueryConfig.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("texts")) {
                        return texts;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
