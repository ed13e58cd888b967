package io.aibridge.proxy.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Segment files on a disk that fills up on demand: after {@link #failNextSegments(int)}, that many
 * new segment files are created but every write to them fails with "No space left on device", as
 * the header write of a segment started on a full disk does. Other files are untouched.
 */
final class FullDisk implements Spool.SegmentFiles {

    private final AtomicInteger failing = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    /** The next {@code count} segments opened cannot be written. */
    void failNextSegments(int count) {
        failing.set(count);
    }

    /** Segments opened so far that could not be written. */
    int failedSegments() {
        return failed.get();
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        FileChannel channel = FileChannel.open(path, options);
        if (failing.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            failed.incrementAndGet();
            return new Unwritable(channel);
        }
        return channel;
    }

    /** A channel whose writes fail; everything else goes to the real file. */
    private static final class Unwritable extends FileChannel {

        private final FileChannel file;

        Unwritable(FileChannel file) {
            this.file = file;
        }

        private static IOException full() {
            return new IOException("No space left on device");
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            throw full();
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            throw full();
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            throw full();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            throw full();
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return file.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return file.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return file.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return file.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            file.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            file.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            file.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return file.transferTo(position, count, target);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            return file.map(mode, position, size);
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return file.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return file.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            file.close();
        }
    }
}
