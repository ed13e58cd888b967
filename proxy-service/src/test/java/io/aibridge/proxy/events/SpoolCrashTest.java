package io.aibridge.proxy.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A process writing to the spool is killed with SIGKILL in the middle of its writes: the next open
 * finds every record the writer had forced to disk, in order, without a gap, and at most a torn
 * tail, which it cuts.
 */
class SpoolCrashTest {

    @TempDir
    Path dir;

    /** The writer: appends numbered records forever, forcing every 10th to disk and saying so. */
    public static final class Writer {
        public static void main(String[] args) throws IOException {
            try (Spool spool = Spool.open(Path.of(args[0]), 256L * 1024 * 1024)) {
                for (int i = 0; ; i++) {
                    spool.append(SpoolTest.record(i, 2000 + (i % 7) * 300));
                    if (i % 10 == 9) {
                        spool.sync();
                        System.out.println("synced " + (i + 1));
                        System.out.flush();
                    }
                }
            }
        }
    }

    @Test
    void aKilledWriterLosesNoRecordItHadForcedToDiskAndLeavesNoCorruption() throws Exception {
        Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), Writer.class.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        int synced = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                synced = Integer.parseInt(line.substring("synced ".length()));
                if (synced >= 3000) {
                    writer.destroyForcibly(); // SIGKILL, while it keeps writing
                    break;
                }
            }
        }
        assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(synced).as("the writer got far enough").isGreaterThanOrEqualTo(3000);

        try (Spool spool = Spool.open(dir, 256L * 1024 * 1024)) {
            List<Integer> numbers = new ArrayList<>();
            while (true) {
                List<Spool.Item> items = spool.read(500, Long.MAX_VALUE);
                if (items.isEmpty()) {
                    break;
                }
                for (Spool.Item item : items) {
                    assertThat(item.unreadable()).isNull();
                    numbers.add(SpoolTest.number(item.record()));
                }
            }
            assertThat(numbers.size()).isGreaterThanOrEqualTo(synced);
            for (int i = 0; i < numbers.size(); i++) {
                assertThat(numbers.get(i)).as("record %d", i).isEqualTo(i);
            }
            assertThat(spool.recovery().damagedBytes()).isZero();
        }
    }
}
