package io.aibridge.proxy.interception;

import io.aibridge.events.InterceptionEvent;
import io.aibridge.events.Role;
import io.aibridge.identity.Principal;
import io.aibridge.proxy.metrics.ProxyMetrics;
import io.aibridge.proxy.route.ProviderType;
import io.aibridge.proxy.sse.SseDecoder;
import io.aibridge.proxy.upstream.UpstreamCredential;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/** A {@link Recording} that collects its events in a list, for unit tests of the observers. */
public final class RecordingProbe {

    public final List<InterceptionEvent> events = new ArrayList<>();
    public final Recording recording;

    public RecordingProbe(String prompt) {
        recording = Recording.start((event, headers) -> events.add(event), new ProxyMetrics(new SimpleMeterRegistry()),
                new Recording.Context("openai", "openai", "/v1/chat/completions", "POST", "gpt-4o-mini", "Unknown", true),
                UUID.randomUUID(), io.aibridge.proxy.tracing.InterceptionTrace.OFF,
                new Principal(UUID.randomUUID(), "probe", "Probe", Role.MEMBER, "key1"), null, null, null,
                UpstreamCredential.centralized(ProviderType.OPENAI, "sk-test-0123456789abcdef"), prompt, 1000);
    }

    /** Feeds an SSE text to an observer, in chunks of {@code chunk} bytes, then ends the stream. */
    public static void stream(ResponseObserver observer, String sse, int chunk) {
        SseDecoder decoder = new SseDecoder(observer, false, 1 << 20);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i += chunk) {
            decoder.feed(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + chunk)));
        }
        decoder.finish();
        observer.onStreamEnd();
    }

    /** The interception logged that not everything the provider answered is recorded ({@link Recording#notRecorded}). */
    public boolean notRecorded() {
        return recording.notRecordedLogged();
    }

    public <T> List<T> of(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public <T, R> List<R> of(Class<T> type, Function<T, R> field) {
        return of(type).stream().map(field).toList();
    }
}
