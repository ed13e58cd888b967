package io.aibridge.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.io.InputDecorator;
import com.fasterxml.jackson.core.io.OutputDecorator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Context;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Watches one of the proxy's Jackson mappers while a test runs: for each JSON text of at least
 * {@code minBytes} it reads (from bytes) or writes (to bytes), whether that ran on a Vert.x event-loop
 * thread. It decorates the mapper's shared {@link JsonFactory}, which {@link #close} undoes.
 */
final class LargeJsonWatch implements AutoCloseable {

    private final JsonFactory factory;
    private final int minBytes;
    private final List<Boolean> reads = new CopyOnWriteArrayList<>();
    private final List<Boolean> writes = new CopyOnWriteArrayList<>();

    private LargeJsonWatch(ObjectMapper mapper, int minBytes) {
        this.factory = mapper.getFactory();
        this.minBytes = minBytes;
        factory.setInputDecorator(new InputDecorator() {
            @Override
            public InputStream decorate(IOContext ctxt, byte[] src, int offset, int length) {
                if (length >= LargeJsonWatch.this.minBytes) {
                    reads.add(Context.isOnEventLoopThread());
                }
                return null; // the parser reads the bytes as it would have
            }

            @Override
            public InputStream decorate(IOContext ctxt, InputStream in) {
                return in;
            }

            @Override
            public Reader decorate(IOContext ctxt, Reader r) {
                return r;
            }
        });
        factory.setOutputDecorator(new OutputDecorator() {
            @Override
            public OutputStream decorate(IOContext ctxt, OutputStream out) {
                return new FilterOutputStream(out) {
                    private long written;

                    @Override
                    public void write(int b) throws IOException {
                        out.write(b);
                        count(1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                        count(len);
                    }

                    private void count(int n) {
                        boolean below = written < LargeJsonWatch.this.minBytes;
                        written += n;
                        if (below && written >= LargeJsonWatch.this.minBytes) {
                            writes.add(Context.isOnEventLoopThread());
                        }
                    }
                };
            }

            @Override
            public Writer decorate(IOContext ctxt, Writer w) {
                return w;
            }
        });
    }

    static LargeJsonWatch of(ObjectMapper mapper, int minBytes) {
        return new LargeJsonWatch(mapper, minBytes);
    }

    /** For each large JSON text read: true when it was read on an event-loop thread. */
    List<Boolean> reads() {
        return List.copyOf(reads);
    }

    /** For each large JSON text written: true when it was written on an event-loop thread. */
    List<Boolean> writes() {
        return List.copyOf(writes);
    }

    @Override
    public void close() {
        factory.setInputDecorator(null);
        factory.setOutputDecorator(null);
    }
}
