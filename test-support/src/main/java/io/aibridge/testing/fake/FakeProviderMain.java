package io.aibridge.testing.fake;

import io.aibridge.testing.QuietLogs;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the {@link FakeProvider} as a process, for the local demo stack and the benchmarks:
 * {@code java -cp test-support/target/classes:<runtime class path> io.aibridge.testing.fake.FakeProviderMain
 * [--port 9099] [--host 127.0.0.1] [--ttfb-ms 0] [--chunk-delay-ms 0]}. Stops on SIGTERM / Ctrl-C.
 */
public final class FakeProviderMain {

    private FakeProviderMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        QuietLogs.inProcessOfItsOwn();
        FakeProvider.Options options = FakeProvider.Options.defaults().port(9099).maxRecorded(100);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (arg) {
                case "--port" -> options = options.port(Integer.parseInt(required(arg, value)));
                case "--host" -> options = options.host(required(arg, value));
                case "--ttfb-ms" -> options = options.timeToFirstByte(Duration.ofMillis(Long.parseLong(required(arg, value))));
                case "--chunk-delay-ms" -> options = options.chunkDelay(Duration.ofMillis(Long.parseLong(required(arg, value))));
                case "--help", "-h" -> {
                    System.out.println("usage: FakeProviderMain [--port 9099] [--host 127.0.0.1] [--ttfb-ms 0] [--chunk-delay-ms 0]");
                    return;
                }
                default -> {
                    System.err.println("unknown argument " + arg);
                    System.exit(2);
                }
            }
            i++;
        }
        FakeProvider fake = FakeProvider.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fake.close();
            stopped.countDown();
        }, "fake-provider-shutdown"));
        System.out.println("fake provider listening on " + fake.baseUrl()
                + " (OpenAI base URL " + fake.openAiBaseUrl() + ", Anthropic base URL " + fake.anthropicBaseUrl() + ")");
        stopped.await();
    }

    private static String required(String arg, String value) {
        if (value == null) {
            System.err.println(arg + " needs a value");
            System.exit(2);
        }
        return value;
    }
}
