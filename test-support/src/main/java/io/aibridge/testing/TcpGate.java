package io.aibridge.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP relay in front of a server, closed until {@link #open()}: while closed it accepts each
 * connection and drops it at once, as a server that is not reachable yet; once open it relays bytes
 * both ways. Lets a test start a service against a Kafka broker that holds data the service must
 * not see yet (a Kafka client only bootstraps through the gate; it then connects to the broker's
 * advertised address itself).
 */
public final class TcpGate implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private volatile boolean open;
    private volatile boolean closed;

    private TcpGate(ServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
    }

    /** A closed gate on a random local port in front of {@code host:port}. */
    public static TcpGate closedInFrontOf(String hostAndPort) {
        int colon = hostAndPort.lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(hostAndPort.substring(0, colon),
                Integer.parseInt(hostAndPort.substring(colon + 1)));
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            TcpGate gate = new TcpGate(server, target);
            daemon(gate::acceptLoop, "tcp-gate-accept").start();
            return gate;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code 127.0.0.1:<port>} of the gate. */
    public String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /** From now on, connections are relayed to the target. */
    public void open() {
        open = true;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (!open) {
                    client.close();
                    continue;
                }
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                daemon(() -> pump(client, upstream), "tcp-gate-up").start();
                daemon(() -> pump(upstream, client), "tcp-gate-down").start();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException ignored) {
            // one side went away: close both below
        } finally {
            quietClose(from);
            quietClose(to);
        }
    }

    private static void quietClose(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
