package io.aibridge.proxy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provider address that takes TCP connections and then says nothing: a TLS client's handshake
 * never ends, so the proxy never gets a connection to send its request on (a provider behind a
 * dead load balancer, a black-holed TLS port). Counts the connections it took.
 */
public final class SilentTlsServer implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> held = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();

    private SilentTlsServer(ServerSocket server) {
        this.server = server;
    }

    public static SilentTlsServer start() {
        try {
            SilentTlsServer silent = new SilentTlsServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
            Thread acceptor = new Thread(silent::accept, "silent-tls-server");
            acceptor.setDaemon(true);
            acceptor.start();
            return silent;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                held.add(server.accept()); // kept open, never read from nor written to
                accepted.incrementAndGet();
            } catch (IOException e) {
                return;
            }
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The connections taken so far. */
    public int accepted() {
        return accepted.get();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : held) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
