package io.aibridge.proxy.events;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The on-disk spool: an append-only journal of Kafka records that could not be published yet, in
 * order, bounded in size, that survives restarts and crashes.
 *
 * <p>Files in the directory: {@code segment-<id>.spool} (ids ascending, never reused while the
 * directory has segments), a {@code checkpoint} naming the position up to which records were
 * acknowledged by Kafka, and {@code spool.lock}, held while a proxy uses the directory so that two
 * processes never share one. A segment is a 16-byte magic header followed by frames of
 * {@code i32 length, i32 CRC-32C of the payload, payload} ({@link SpoolRecord}). A new segment is
 * started when the current one reaches the segment size, and whole segments are deleted once every
 * record in them was acknowledged; when the spool is drained, every file but the lock is removed.
 *
 * <p>Crash safety: frames are written with one positional write each and the writer is forced to
 * disk by {@link #sync()} (the publisher calls it after each batch: group commit). On open, every
 * segment is scanned: the first frame whose length is impossible, whose bytes end early, or whose
 * checksum does not match ends the readable part of that segment. At the end of the last segment
 * this is a torn write from a crash, and the file is cut back to its last whole frame; anywhere
 * else it is damage, reported as an error. Every frame before it is kept. The checkpoint is
 * written after every acknowledged batch without forcing it (after a crash an older checkpoint only
 * means some records are published twice, which consumers de-duplicate on the event id) and forced
 * on {@link #close()}.
 *
 * <p>Not thread-safe by design except where noted: one publisher thread owns it; methods are
 * synchronized so that the rare events published after that thread has stopped can still be
 * appended from other threads. {@link #bytes()} and {@link #events()} are lock-free reads.
 */
final class Spool implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Spool.class);
    private static final byte[] MAGIC = "AIBRIDGE-SPOOL-1".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_BYTES = MAGIC.length;
    static final int FRAME_BYTES = 8;
    /** Larger than any record the producer may send (16 MiB by default); anything longer is damage. */
    static final int MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;
    private static final Pattern SEGMENT = Pattern.compile("segment-(\\d{20})\\.spool");
    private static final String CHECKPOINT = "checkpoint";
    private static final String LOCK = "spool.lock";

    /** A place in the journal: a segment and a byte offset in it. */
    record Position(long segment, long offset) {
    }

    /** A record read back, and the position just after it (what to commit once it is acknowledged). */
    record Item(SpoolRecord record, Position end, String unreadable) {
    }

    /** What {@link #open} found. */
    record Recovery(long events, long bytes, long tornBytes, long damagedBytes, int segments) {
    }

    /**
     * Opens a segment file for writing: {@link FileChannel#open(Path, OpenOption...)}, or in tests
     * a channel that fails the way a full disk does.
     */
    @FunctionalInterface
    interface SegmentFiles {
        SegmentFiles DISK = FileChannel::open;

        FileChannel open(Path path, OpenOption... options) throws IOException;
    }

    private final Path dir;
    private final SegmentFiles files;
    private final long maxBytes;
    private final long segmentBytes;
    private final FileChannel lockChannel;
    private final FileLock lock;
    /** Segment id to its size in bytes; the last one may be the writer's. */
    private final TreeMap<Long, Long> segments = new TreeMap<>();
    private volatile long bytes;
    private volatile long events;
    private long nextId;
    private FileChannel writer;
    private long writerId = -1;
    private FileChannel reader;
    private long readerId = -1;
    private Position readPosition;
    private Position committed;
    private final Recovery recovery;
    private boolean closed;

    private Spool(Path dir, long maxBytes, SegmentFiles files, FileChannel lockChannel, FileLock lock) throws IOException {
        this.dir = dir;
        this.files = files;
        this.maxBytes = maxBytes;
        this.segmentBytes = Math.max(64 * 1024, Math.min(64L * 1024 * 1024, maxBytes / 8));
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.recovery = recover();
    }

    /**
     * Opens (creating it if needed) and recovers the spool in this directory.
     *
     * @throws IOException when the directory cannot be used, or another process holds it
     */
    static Spool open(Path dir, long maxBytes) throws IOException {
        return open(dir, maxBytes, SegmentFiles.DISK);
    }

    /** As {@link #open(Path, long)}, with new segment files opened through {@code files}. */
    static Spool open(Path dir, long maxBytes, SegmentFiles files) throws IOException {
        Files.createDirectories(dir);
        FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException("the spool directory " + dir + " is in use by another proxy (" + LOCK
                    + " is locked); give every proxy its own directory");
        }
        try {
            return new Spool(dir, maxBytes, files, lockChannel, lock);
        } catch (IOException | RuntimeException e) {
            lock.release();
            lockChannel.close();
            throw e;
        }
    }

    private Recovery recover() throws IOException {
        List<Long> ids = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                Matcher m = SEGMENT.matcher(f.getFileName().toString());
                if (m.matches()) {
                    ids.add(Long.parseLong(m.group(1)));
                }
            });
        }
        ids.sort(null);
        Position checkpoint = readCheckpoint();
        long torn = 0;
        long damaged = 0;
        long count = 0;
        for (int i = 0; i < ids.size(); i++) {
            long id = ids.get(i);
            boolean last = i == ids.size() - 1;
            if (checkpoint != null && id < checkpoint.segment()) {
                Files.deleteIfExists(segmentPath(id)); // acknowledged before the checkpoint was written
                continue;
            }
            long start = checkpoint != null && id == checkpoint.segment() ? checkpoint.offset() : HEADER_BYTES;
            Scan scan = scan(id, start);
            if (scan.validEnd < 0) {
                // not even a whole header: a crash while the segment was being created
                Files.deleteIfExists(segmentPath(id));
                torn += scan.fileSize;
                continue;
            }
            if (scan.validEnd < scan.fileSize) {
                long cut = scan.fileSize - scan.validEnd;
                try (FileChannel ch = FileChannel.open(segmentPath(id), StandardOpenOption.WRITE)) {
                    ch.truncate(scan.validEnd);
                    ch.force(true);
                }
                if (last) {
                    torn += cut;
                    LOG.warnf("spool: cut a torn record (%d bytes, written when the proxy stopped abruptly) from the end of %s; "
                            + "every whole record before it is kept", cut, segmentPath(id).getFileName());
                } else {
                    damaged += cut;
                    LOG.errorf("spool: %s is damaged at offset %d (%s); %d bytes after it could not be read and were removed",
                            segmentPath(id).getFileName(), scan.validEnd, scan.problem, cut);
                }
            }
            segments.put(id, scan.validEnd);
            count += scan.records;
        }
        nextId = ids.isEmpty() ? 1 : ids.get(ids.size() - 1) + 1;
        long total = 0;
        for (long size : segments.values()) {
            total += size;
        }
        bytes = total;
        events = count;
        if (segments.isEmpty()) {
            committed = new Position(nextId, HEADER_BYTES);
            deleteCheckpoint();
        } else {
            long first = segments.firstKey();
            long offset = checkpoint != null && checkpoint.segment() == first
                    ? Math.min(Math.max(checkpoint.offset(), HEADER_BYTES), segments.get(first)) : HEADER_BYTES;
            committed = new Position(first, offset);
        }
        readPosition = committed;
        if (count == 0 && !segments.isEmpty()) {
            clear(); // everything on disk was acknowledged already
        }
        return new Recovery(count, total, torn, damaged, segments.size());
    }

    private record Scan(long records, long validEnd, long fileSize, String problem) {
    }

    /** Reads a segment from its header, counting the whole frames at or after {@code countFrom}. */
    private Scan scan(long id, long countFrom) throws IOException {
        Path path = segmentPath(id);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer magic = ByteBuffer.allocate(HEADER_BYTES);
            if (size < HEADER_BYTES || readFully(ch, magic, 0) < HEADER_BYTES || !java.util.Arrays.equals(magic.array(), MAGIC)) {
                return new Scan(0, -1, size, "no segment header");
            }
            long position = HEADER_BYTES;
            long records = 0;
            ByteBuffer frame = ByteBuffer.allocate(FRAME_BYTES);
            while (position < size) {
                frame.clear();
                if (size - position < FRAME_BYTES || readFully(ch, frame, position) < FRAME_BYTES) {
                    return new Scan(records, position, size, "a frame header ends early");
                }
                int length = frame.getInt(0);
                int crc = frame.getInt(4);
                if (length <= 0 || length > MAX_PAYLOAD_BYTES || position + FRAME_BYTES + length > size) {
                    return new Scan(records, position, size, "impossible length " + length);
                }
                ByteBuffer payload = ByteBuffer.allocate(length);
                readFully(ch, payload, position + FRAME_BYTES);
                if (crc(payload.array()) != crc) {
                    return new Scan(records, position, size, "checksum mismatch");
                }
                position += FRAME_BYTES + length;
                if (position > countFrom) {
                    records++;
                }
            }
            return new Scan(records, position, size, null);
        }
    }

    /** What {@link #open} found: events waiting, torn and damaged bytes removed. */
    Recovery recovery() {
        return recovery;
    }

    Path directory() {
        return dir;
    }

    long maxBytes() {
        return maxBytes;
    }

    /** Bytes of all segment files (acknowledged parts of the oldest one included, until it is deleted). Lock-free. */
    long bytes() {
        return bytes;
    }

    /** Records written and not yet acknowledged. Lock-free. */
    long events() {
        return events;
    }

    boolean isEmpty() {
        return events == 0;
    }

    /**
     * Appends a record, unless it would take the spool over its size limit. When the write fails
     * (a full disk), nothing of the record counts as written: the next append starts at the same
     * place, and a segment that could not be started is removed.
     *
     * @return false when the spool is full (nothing was written)
     * @throws IOException when the record could not be written; the spool stays usable
     */
    synchronized boolean append(SpoolRecord record) throws IOException {
        ensureOpen();
        byte[] payload = record.encode();
        long frame = FRAME_BYTES + (long) payload.length;
        boolean roll = writer == null || (segments.get(writerId) + frame > segmentBytes && segments.get(writerId) > HEADER_BYTES);
        if (bytes + frame + (roll ? HEADER_BYTES : 0) > maxBytes) {
            return false;
        }
        if (roll) {
            roll();
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) frame);
        buffer.putInt(payload.length).putInt(crc(payload)).put(payload).flip();
        long start = segments.get(writerId);
        long at = start;
        try {
            while (buffer.hasRemaining()) {
                at += writer.write(buffer, at);
            }
        } catch (IOException e) {
            cutBack(start);
            throw e;
        }
        segments.put(writerId, at);
        bytes += frame;
        events++;
        return true;
    }

    /** Forces what was appended to disk. */
    synchronized void sync() throws IOException {
        if (writer != null) {
            writer.force(false);
        }
    }

    /** A partly written frame is cut off, so that a crash cannot leave it between whole frames. */
    private void cutBack(long size) {
        try {
            writer.truncate(size);
        } catch (IOException e) {
            // the next append overwrites it; were the proxy to stop first, recovery cuts it
            LOG.debugf("spool: could not cut a partly written record from %s: %s", segmentPath(writerId).getFileName(), e);
        }
    }

    /**
     * Starts the next segment. Nothing changes unless the new segment's header is on disk: on a
     * failure the half-made file is removed and the current writer (if any) stays the writer.
     */
    private void roll() throws IOException {
        if (writer != null) {
            writer.force(false); // a sealed segment is complete on disk before the next one exists
        }
        long id = nextId++; // not reused even when this fails: a file that could not be removed keeps its name
        Path path = segmentPath(id);
        FileChannel next = files.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            ByteBuffer header = ByteBuffer.wrap(MAGIC);
            long at = 0;
            while (header.hasRemaining()) {
                at += next.write(header, at);
            }
            next.force(false);
        } catch (IOException | RuntimeException e) {
            abandon(next, path);
            throw e;
        }
        forceDirectory(); // the new file's name must survive a crash too
        FileChannel sealed = writer;
        writer = next;
        writerId = id;
        if (sealed != null) {
            try {
                sealed.close();
            } catch (IOException e) {
                LOG.debugf("spool: could not close a sealed segment: %s", e); // already forced
            }
        }
        segments.put(id, (long) HEADER_BYTES);
        bytes += HEADER_BYTES;
        if (segments.size() == 1) {
            committed = new Position(id, HEADER_BYTES);
            readPosition = committed;
        }
    }

    /**
     * Removes a segment that could not be started. One that cannot be removed holds no record: the
     * next open deletes it (no whole header) or passes over it (an empty segment).
     */
    private void abandon(FileChannel channel, Path path) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debugf("spool: could not close %s: %s", path.getFileName(), e);
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warnf("spool: could not remove %s, a segment that could not be started (%s); the next start removes it",
                    path.getFileName(), e.toString());
        }
    }

    /**
     * Reads the next records after the last one read, at most {@code maxRecords} or about
     * {@code maxBytes}. A record whose payload cannot be decoded is returned with
     * {@link Item#unreadable()} set, so that it can be counted and committed past.
     */
    synchronized List<Item> read(int maxRecords, long maxBytes) throws IOException {
        ensureOpen();
        List<Item> items = new ArrayList<>();
        long read = 0;
        ByteBuffer frame = ByteBuffer.allocate(FRAME_BYTES);
        while (items.size() < maxRecords && read < maxBytes) {
            Position at = normalize(readPosition);
            Long size = segments.get(at.segment());
            if (size == null || at.offset() >= size) {
                readPosition = at;
                break;
            }
            FileChannel ch = readerFor(at.segment());
            frame.clear();
            readFully(ch, frame, at.offset());
            int length = frame.getInt(0);
            int crc = frame.getInt(4);
            if (length <= 0 || length > MAX_PAYLOAD_BYTES || at.offset() + FRAME_BYTES + length > size) {
                // cannot happen for frames written or verified by this process; skip the rest of the segment
                Position end = new Position(at.segment(), size);
                items.add(new Item(null, end, "impossible frame length " + length + " in " + segmentPath(at.segment()).getFileName()));
                readPosition = end;
                continue;
            }
            ByteBuffer payload = ByteBuffer.allocate(length);
            readFully(ch, payload, at.offset() + FRAME_BYTES);
            Position end = new Position(at.segment(), at.offset() + FRAME_BYTES + length);
            readPosition = end;
            read += FRAME_BYTES + length;
            if (crc(payload.array()) != crc) {
                items.add(new Item(null, end, "checksum mismatch in " + segmentPath(at.segment()).getFileName()));
                continue;
            }
            try {
                items.add(new Item(SpoolRecord.decode(payload.array()), end, null));
            } catch (IOException e) {
                items.add(new Item(null, end, e.getMessage()));
            }
        }
        return items;
    }

    /** Reads again from the last committed position (after a failed publish). */
    synchronized void rewind() {
        readPosition = committed;
    }

    /**
     * Marks every record up to {@code end} as acknowledged: {@code count} records fewer wait,
     * segments before it are deleted, and the checkpoint moves. When nothing waits any more, the
     * spool is cleared.
     */
    synchronized void commit(Position end, long count) throws IOException {
        ensureOpen();
        committed = normalize(end);
        events = Math.max(0, events - count);
        if (events == 0 && committed.equals(normalize(readPosition)) && atEnd(committed)) {
            clear();
            return;
        }
        while (!segments.isEmpty() && segments.firstKey() < committed.segment()) {
            long id = segments.firstKey();
            bytes -= segments.remove(id);
            if (readerId == id) {
                closeReader();
            }
            Files.deleteIfExists(segmentPath(id));
        }
        writeCheckpoint(false);
    }

    private boolean atEnd(Position p) {
        Long size = segments.get(p.segment());
        return size == null || (p.offset() >= size && p.segment() >= segments.lastKey());
    }

    /** Past the end of a segment that is not the last: the start of the next one. */
    private Position normalize(Position p) {
        Position at = p;
        while (true) {
            Long size = segments.get(at.segment());
            Long next = segments.higherKey(at.segment());
            if (next != null && (size == null || at.offset() >= size)) {
                at = new Position(next, HEADER_BYTES);
            } else {
                return at;
            }
        }
    }

    /** Removes every segment and the checkpoint: all that was spooled was acknowledged. */
    private void clear() throws IOException {
        closeReader();
        if (writer != null) {
            writer.close();
            writer = null;
            writerId = -1;
        }
        for (long id : segments.keySet()) {
            Files.deleteIfExists(segmentPath(id));
        }
        segments.clear();
        bytes = 0;
        events = 0;
        deleteCheckpoint();
        committed = new Position(nextId, HEADER_BYTES);
        readPosition = committed;
    }

    private FileChannel readerFor(long id) throws IOException {
        if (readerId != id) {
            closeReader();
            reader = FileChannel.open(segmentPath(id), StandardOpenOption.READ);
            readerId = id;
        }
        return reader;
    }

    private void closeReader() throws IOException {
        if (reader != null) {
            reader.close();
            reader = null;
            readerId = -1;
        }
    }

    private Position readCheckpoint() {
        try {
            String text = Files.readString(dir.resolve(CHECKPOINT), StandardCharsets.US_ASCII).trim();
            String[] parts = text.split(" ");
            if (parts.length == 3) {
                String fields = parts[0] + " " + parts[1];
                if (Integer.toHexString(crc(fields.getBytes(StandardCharsets.US_ASCII))).equals(parts[2])) {
                    return new Position(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
                }
            }
            LOG.warnf("spool: ignoring an unreadable checkpoint in %s; records before it may be published twice", dir);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | NumberFormatException e) {
            LOG.warnf("spool: ignoring an unreadable checkpoint in %s (%s); records before it may be published twice", dir, e.toString());
        }
        return null;
    }

    private void writeCheckpoint(boolean force) throws IOException {
        String fields = committed.segment() + " " + committed.offset();
        String text = fields + " " + Integer.toHexString(crc(fields.getBytes(StandardCharsets.US_ASCII))) + "\n";
        Path tmp = dir.resolve(CHECKPOINT + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
            if (force) {
                ch.force(true);
            }
        }
        try {
            Files.move(tmp, dir.resolve(CHECKPOINT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve(CHECKPOINT), StandardCopyOption.REPLACE_EXISTING);
        }
        if (force) {
            forceDirectory();
        }
    }

    private void deleteCheckpoint() throws IOException {
        Files.deleteIfExists(dir.resolve(CHECKPOINT));
        Files.deleteIfExists(dir.resolve(CHECKPOINT + ".tmp"));
    }

    private void forceDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for fsync; the data itself is forced anyway
            LOG.debugf("spool: could not fsync directory %s: %s", dir, e);
        }
    }

    private Path segmentPath(long id) {
        return dir.resolve(String.format("segment-%020d.spool", id));
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the spool at " + dir + " is closed");
        }
    }

    /** Forces everything to disk, writes the checkpoint and releases the directory. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (writer != null) {
                writer.force(false);
                writer.close();
            }
            closeReader();
            if (!segments.isEmpty()) {
                writeCheckpoint(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not close the spool at " + dir, e);
        } finally {
            try {
                lock.release();
                lockChannel.close();
            } catch (IOException e) {
                LOG.debugf("spool: could not release %s: %s", dir.resolve(LOCK), e);
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Segment file names and sizes, for tests and the log. */
    synchronized Map<Long, Long> segments() {
        return Map.copyOf(segments);
    }

    private static int readFully(FileChannel ch, ByteBuffer buffer, long position) throws IOException {
        int total = 0;
        while (buffer.hasRemaining()) {
            int n = ch.read(buffer, position + total);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    private static int crc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length);
        return (int) crc.getValue();
    }
}
