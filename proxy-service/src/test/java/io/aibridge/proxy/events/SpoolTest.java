package io.aibridge.proxy.events;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The journal itself: order, segments, checkpoints, size limit, torn and damaged records, the directory lock. */
class SpoolTest {

    @TempDir
    Path dir;

    static SpoolRecord record(int n, int bodyBytes) {
        byte[] body = ("{\"n\":" + n + ",\"pad\":\"" + "x".repeat(Math.max(0, bodyBytes - 20)) + "\"}").getBytes(StandardCharsets.UTF_8);
        return new SpoolRecord("aibridge.interceptions.v1", "interception-" + (n % 3), List.of(
                new SpoolRecord.Header("ce_id", ("event-" + n).getBytes(StandardCharsets.UTF_8)),
                new SpoolRecord.Header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".getBytes(StandardCharsets.UTF_8))),
                body);
    }

    static int number(SpoolRecord r) {
        return Integer.parseInt(r.header("ce_id").substring("event-".length()));
    }

    private static List<Integer> readAll(Spool spool) throws IOException {
        List<Integer> out = new ArrayList<>();
        while (true) {
            List<Spool.Item> items = spool.read(100, Long.MAX_VALUE);
            if (items.isEmpty()) {
                return out;
            }
            items.forEach(i -> out.add(number(i.record())));
        }
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".spool")).sorted().toList();
        }
    }

    @Test
    void readsBackEveryRecordInOrderWithItsHeadersAcrossSegments() throws IOException {
        try (Spool spool = Spool.open(dir, 1024 * 1024)) { // 128 KiB segments
            for (int i = 0; i < 300; i++) {
                assertThat(spool.append(record(i, 1000))).isTrue();
            }
            spool.sync();
            assertThat(segmentFiles()).hasSizeGreaterThan(1);
            assertThat(spool.events()).isEqualTo(300);
            List<Spool.Item> first = spool.read(1, Long.MAX_VALUE);
            assertThat(first.get(0).record().header("traceparent")).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            assertThat(first.get(0).record().key()).isEqualTo("interception-0");
            assertThat(new String(first.get(0).record().body(), StandardCharsets.UTF_8)).startsWith("{\"n\":0,");
            spool.rewind();
            assertThat(readAll(spool)).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 300).boxed().toList());
        }
    }

    @Test
    void acknowledgedSegmentsAreDeletedAndADrainedSpoolLeavesNoFiles() throws IOException {
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            for (int i = 0; i < 300; i++) {
                spool.append(record(i, 1000));
            }
            int before = segmentFiles().size();
            List<Spool.Item> half = spool.read(150, Long.MAX_VALUE);
            spool.commit(half.get(half.size() - 1).end(), half.size());
            assertThat(spool.events()).isEqualTo(150);
            assertThat(segmentFiles().size()).isLessThan(before);
            List<Spool.Item> rest = spool.read(1000, Long.MAX_VALUE);
            assertThat(rest).hasSize(150);
            assertThat(number(rest.get(0).record())).isEqualTo(150);
            spool.commit(rest.get(rest.size() - 1).end(), rest.size());
            assertThat(spool.isEmpty()).isTrue();
            assertThat(spool.bytes()).isZero();
            assertThat(segmentFiles()).isEmpty();
            assertThat(dir.resolve("checkpoint")).doesNotExist();

            spool.append(record(1000, 10)); // and it starts again
            assertThat(readAll(spool)).containsExactly(1000);
        }
    }

    @Test
    void aReopenedSpoolResumesAfterTheLastAcknowledgedRecord() throws IOException {
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            for (int i = 0; i < 50; i++) {
                spool.append(record(i, 100));
            }
            List<Spool.Item> some = spool.read(20, Long.MAX_VALUE);
            spool.commit(some.get(some.size() - 1).end(), some.size());
            spool.read(10, Long.MAX_VALUE); // read but never acknowledged: must come again
        }
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            assertThat(spool.recovery().events()).isEqualTo(30);
            assertThat(readAll(spool)).containsExactlyElementsOf(java.util.stream.IntStream.range(20, 50).boxed().toList());
        }
    }

    @Test
    void aTornRecordAtTheEndIsCutAndEveryWholeRecordBeforeItIsKept() throws IOException {
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            for (int i = 0; i < 10; i++) {
                spool.append(record(i, 200));
            }
        }
        Path segment = segmentFiles().get(segmentFiles().size() - 1);
        long whole = Files.size(segment);
        // a crash in the middle of a write: a frame header announcing 500 bytes, and only 37 of them
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.seek(whole);
            f.writeInt(500);
            f.writeInt(0x12345678);
            f.write(new byte[37]);
        }
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            assertThat(spool.recovery().tornBytes()).isEqualTo(8 + 37);
            assertThat(spool.recovery().events()).isEqualTo(10);
            assertThat(Files.size(segment)).isEqualTo(whole);
            spool.append(record(10, 200));
            assertThat(readAll(spool)).containsExactlyElementsOf(java.util.stream.IntStream.range(0, 11).boxed().toList());
        }
    }

    @Test
    void aLastRecordWhoseChecksumDoesNotMatchIsCut() throws IOException {
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            for (int i = 0; i < 5; i++) {
                spool.append(record(i, 200));
            }
        }
        Path segment = segmentFiles().get(0);
        try (RandomAccessFile f = new RandomAccessFile(segment.toFile(), "rw")) {
            f.seek(f.length() - 3); // the last record's body: bytes that never reached the disk intact
            f.write(new byte[] {0, 0, 0});
        }
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            assertThat(spool.recovery().tornBytes()).isPositive();
            assertThat(readAll(spool)).containsExactly(0, 1, 2, 3);
        }
    }

    @Test
    void aSegmentWithoutItsHeaderIsRemoved() throws IOException {
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            spool.append(record(0, 10));
        }
        Files.write(dir.resolve(String.format("segment-%020d.spool", 99)), new byte[] {'A', 'I'}); // crashed while being created
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            assertThat(readAll(spool)).containsExactly(0);
            assertThat(dir.resolve(String.format("segment-%020d.spool", 99))).doesNotExist();
        }
    }

    @Test
    void appendsNothingBeyondItsSizeLimit() throws IOException {
        try (Spool spool = Spool.open(dir, 64 * 1024)) {
            int accepted = 0;
            while (spool.append(record(accepted, 1000))) {
                accepted++;
            }
            assertThat(accepted).isBetween(50, 64);
            assertThat(spool.bytes()).isLessThanOrEqualTo(64 * 1024);
            assertThat(spool.append(record(999, 1000))).isFalse();
            assertThat(spool.events()).isEqualTo(accepted);
        }
    }

    @Test
    void twoSpoolsCannotShareADirectory() throws IOException {
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            assertThatThrownBy(() -> Spool.open(dir, 1024 * 1024)).isInstanceOf(IOException.class).hasMessageContaining("in use by another proxy");
        }
        Spool.open(dir, 1024 * 1024).close(); // released on close
    }

    @Test
    void aRecordRoundTripsByteForByte() throws IOException {
        SpoolRecord r = record(7, 300);
        SpoolRecord back = SpoolRecord.decode(r.encode());
        assertThat(back.topic()).isEqualTo(r.topic());
        assertThat(back.key()).isEqualTo(r.key());
        assertThat(back.body()).isEqualTo(r.body());
        assertThat(back.headers()).hasSize(2);
        assertThat(back.headers().get(1).value()).isEqualTo(r.headers().get(1).value());
        assertThatThrownBy(() -> SpoolRecord.decode(new byte[] {9, 0, 0})).isInstanceOf(IOException.class);
    }
}
