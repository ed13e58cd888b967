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
    void aSegmentThatCannotBeStartedFailsTheAppendAndLeavesTheSpoolUsable() throws IOException {
        FullDisk disk = new FullDisk();
        try (Spool spool = Spool.open(dir, 1024 * 1024, disk)) {
            disk.failNextSegments(1); // the disk is full when the first record needs the first segment
            assertThatThrownBy(() -> spool.append(record(0, 100))).isInstanceOf(IOException.class).hasMessageContaining("No space left");
            assertThat(segmentFiles()).as("the half-made segment is removed").isEmpty();
            assertThat(spool.events()).isZero();
            assertThat(spool.bytes()).isZero();

            assertThat(spool.append(record(1, 100))).isTrue(); // space again
            assertThat(spool.append(record(2, 100))).isTrue();
            List<Spool.Item> both = spool.read(10, Long.MAX_VALUE);
            spool.commit(both.get(1).end(), 2); // drained: no segment, no writer

            disk.failNextSegments(1);
            assertThatThrownBy(() -> spool.append(record(3, 100))).isInstanceOf(IOException.class);
            assertThat(spool.append(record(4, 100))).isTrue();
            assertThat(spool.append(record(5, 100))).isTrue();
            assertThat(readAll(spool)).containsExactly(4, 5);
        }
        assertThat(disk.failedSegments()).isEqualTo(2);
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            assertThat(spool.recovery().tornBytes()).isZero();
            assertThat(readAll(spool)).containsExactly(4, 5);
        }
    }

    @Test
    void recordsAppendedAfterTheNextSegmentCouldNotBeStartedAreKept() throws IOException {
        FullDisk disk = new FullDisk();
        long segmentBytes = 128 * 1024; // an eighth of the limit
        List<Integer> kept = new ArrayList<>();
        int n = 0;
        try (Spool spool = Spool.open(dir, 1024 * 1024, disk)) {
            // fill the segment until a 20 KB record needs the next one while small ones still fit
            while (spool.bytes() < segmentBytes - 6000) { // one segment so far: its size
                assertThat(spool.append(record(n, 1000))).isTrue();
                kept.add(n++);
            }
            disk.failNextSegments(1);
            int big = n++;
            assertThatThrownBy(() -> spool.append(record(big, 20_000))).isInstanceOf(IOException.class);
            assertThat(segmentFiles()).as("the half-made segment is removed").hasSize(1);
            for (int i = 0; i < 5; i++) {
                assertThat(spool.append(record(n, 100))).isTrue(); // these still fit in the first segment
                kept.add(n++);
            }
            assertThat(spool.append(record(n, 20_000))).isTrue(); // and the next segment starts on a disk with room
            kept.add(n++);
            assertThat(segmentFiles()).hasSize(2);
            assertThat(readAll(spool)).containsExactlyElementsOf(kept);
        }
        try (Spool spool = Spool.open(dir, 1024 * 1024)) {
            assertThat(spool.recovery().tornBytes()).isZero();
            assertThat(spool.recovery().damagedBytes()).isZero();
            assertThat(readAll(spool)).containsExactlyElementsOf(kept);
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
