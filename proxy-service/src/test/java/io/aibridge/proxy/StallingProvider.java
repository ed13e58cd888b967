package io.aibridge.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provider (plain HTTP/1.1 on raw sockets) that sends the head of its answer and the start of
 * its body, then goes silent for good, as a provider behind a stuck gateway can:
 * <ul>
 *   <li>{@code POST …/chat/completions}: the first {@link #stallChats} calls get a 503 whose
 *       chunked error body stalls; later ones a complete Chat Completions answer;</li>
 *   <li>{@code POST …/chat/completions} for the model {@code gpt-stall-body}: a 200 whose body stalls
 *       after two chunks;</li>
 *   <li>{@code GET …/models/silent-head}: a 200 head and not a byte of body;</li>
 *   <li>{@code GET …/models/no-head}, and {@code POST …/count-tokens} whose messages ask the
 *       provider to {@code say nothing}: not even a head;</li>
 *   <li>any other {@code GET}: a 200 chunked body that stalls after its first chunk;</li>
 *   <li>{@code POST …/count-tokens} (AWS Bedrock's CountTokens): likewise.</li>
 * </ul>
 * And one answer that never stalls, for a client that stalls instead: a streamed Chat Completions
 * call ({@code "stream":true}) gets {@link #BIG_STREAM_FRAMES} content chunks of 1 KiB each, then
 * usage and {@code [DONE]}, written as fast as the reader takes them (for {@link #LOOP_MODEL}, the
 * second round of an injected tool loop, after a first that calls a tool).
 * Records each request line it got.
 */
public final class StallingProvider implements AutoCloseable {

    /** The content chunks of the big stream: 16 MiB, more than the sockets between a client and the proxy hold. */
    public static final int BIG_STREAM_FRAMES = 16 * 1024;
    /**
     * A streamed call for a model named so that has no tool result yet (the first round of an
     * injected tool loop) gets a call of the MCP test server's {@code echo} tool instead; the next
     * round, with the tool's result, gets the big stream.
     */
    public static final String LOOP_MODEL = "gpt-injected-loop";
    /** The text of each content chunk of the big stream. */
    public static final String BIG_STREAM_TEXT = "x".repeat(1024);

    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger chatStalls = new AtomicInteger();
    /** Content chunks of big streams written so far (a write blocks while the proxy does not read). */
    private final java.util.concurrent.atomic.AtomicLong bigStreamFramesWritten = new java.util.concurrent.atomic.AtomicLong();

    private StallingProvider(ServerSocket server) {
        this.server = server;
    }

    public static StallingProvider start() {
        StallingProvider provider = new StallingProvider(loopbackServer());
        serveEachConnection(provider.server, "stalling-provider", socket -> {
            provider.sockets.add(socket);
            provider.serve(socket);
        });
        return provider;
    }

    /** A server socket on a free loopback port. */
    static ServerSocket loopbackServer() {
        try {
            return new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Accepts connections until {@code server} closes, each served on a daemon thread of its own. */
    static void serveEachConnection(ServerSocket server, String name, java.util.function.Consumer<Socket> serve) {
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread connection = new Thread(() -> serve.accept(socket), name + "-connection");
                    connection.setDaemon(true);
                    connection.start();
                } catch (IOException e) {
                    return;
                }
            }
        }, name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** The next {@code n} Chat Completions calls get a 503 whose body stalls. */
    public void stallChats(int n) {
        chatStalls.set(n);
    }

    /** The request lines ({@code POST /v1/chat/completions}) received so far. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** The content chunks of big streams written since {@link #clear()}: they stop growing while the proxy stops reading. */
    public long bigStreamFramesWritten() {
        return bigStreamFramesWritten.get();
    }

    /**
     * Waits until the big stream has not moved, part-way, for {@code still}: its writes block once
     * the proxy stops reading it (and the sockets between them are full), so the proxy has held it
     * back at least that long. A fixed sleep of a client is not enough: until its write queue to
     * the client is full, the proxy goes on reading, and on a busy machine that can take seconds.
     */
    public void awaitHeldBack(java.time.Duration still) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        long last = bigStreamFramesWritten.get();
        long lastMoved = System.nanoTime();
        while (last == 0 || System.nanoTime() - lastMoved < still.toNanos()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the big stream did not stop moving in 30 s (" + last + " frames written)");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            long written = bigStreamFramesWritten.get();
            if (written != last) {
                last = written;
                lastMoved = System.nanoTime();
            }
        }
        if (last >= BIG_STREAM_FRAMES) {
            throw new AssertionError("the big stream was written whole: nothing held it back");
        }
    }

    public void clear() {
        bigStreamFramesWritten.set(0);
        requests.clear();
        chatStalls.set(0);
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                String requestLine = head.substring(0, head.indexOf("\r\n"));
                requests.add(requestLine.substring(0, requestLine.lastIndexOf(' ')));
                String request = new String(in.readNBytes(contentLength(head)), StandardCharsets.UTF_8);
                String path = requestLine.split(" ")[1];
                String compact = request.replace(" ", "");
                if (path.endsWith("/chat/completions") && compact.contains("\"stream\":true") && request.contains(LOOP_MODEL)
                        && !compact.contains("\"role\":\"tool\"")) {
                    toolCallStream(out);
                } else if (path.endsWith("/chat/completions") && compact.contains("\"stream\":true")) {
                    bigStream(out);
                } else if (path.endsWith("/chat/completions") && chatStalls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    stall(in, out, "503 Service Unavailable", "{\"error\":{\"message\":\"overloaded, and then");
                } else if (path.endsWith("/chat/completions") && request.contains("gpt-stall-body")) {
                    stallAfterTwoChunks(in, out);
                } else if (path.endsWith("/chat/completions")) {
                    byte[] body = ("{\"id\":\"chatcmpl-stalling\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o\","
                            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],"
                            + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}").getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                            .getBytes(StandardCharsets.UTF_8));
                    out.write(body);
                    out.flush();
                } else if (path.endsWith("/models/no-head") || path.endsWith("/count-tokens") && invokeModelBody(request).contains("say nothing")) {
                    silence(in);
                } else if (path.endsWith("/models/silent-head")) {
                    stall(in, out, "200 OK", null);
                } else {
                    stall(in, out, "200 OK", path.endsWith("/count-tokens") ? "{\"inputTokens\":" : "{\"object\":\"list\",\"data\":[");
                }
            }
        } catch (IOException e) {
            // the proxy cut the connection
        }
    }

    /** The first round of an injected tool loop: a streamed call of the MCP test server's {@code echo} tool. */
    private static void toolCallStream(OutputStream out) throws IOException {
        out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        String prefix = "data: {\"id\":\"chatcmpl-loop\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":";
        chunk(out, prefix + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":0,\"id\":\"call_loop_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"bmcp_tools_echo\",\"arguments\":\"{\\\"text\\\":\\\"hello\\\"}\"}}]},"
                + "\"finish_reason\":null}]}\n\n");
        chunk(out, prefix + "[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n");
        chunk(out, prefix + "[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5,\"total_tokens\":8}}\n\n");
        chunk(out, "data: [DONE]\n\n");
        out.write("0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void bigStream(OutputStream out) throws IOException {
        out.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        String prefix = "data: {\"id\":\"chatcmpl-big\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":";
        for (int i = 0; i < BIG_STREAM_FRAMES; i++) {
            chunk(out, prefix + "[{\"index\":0,\"delta\":{\"content\":\"" + BIG_STREAM_TEXT + "\"},\"finish_reason\":null}]}\n\n");
            bigStreamFramesWritten.incrementAndGet();
        }
        chunk(out, prefix + "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        chunk(out, prefix + "[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":" + BIG_STREAM_FRAMES + ",\"total_tokens\":"
                + (BIG_STREAM_FRAMES + 3) + "}}\n\n");
        chunk(out, "data: [DONE]\n\n");
        out.write("0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** A 200 whose JSON body comes in two chunks, apart, then stalls. */
    private static void stallAfterTwoChunks(InputStream in, OutputStream out) throws IOException {
        out.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.UTF_8));
        chunk(out, "{\"id\":\"chatcmpl-stall-body\",");
        out.flush();
        try {
            Thread.sleep(300); // two reads on the proxy's side, so that it relays the first
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        chunk(out, "\"object\":\"chat.completion\",");
        out.flush();
        while (in.read() >= 0) {
            // silent until the proxy gives up on this connection
        }
        throw new IOException("closed by the proxy");
    }

    private static void chunk(OutputStream out, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.UTF_8));
    }

    /** Sends the head and {@code firstChunk} (none when null), then nothing until the peer closes. */
    private static void stall(InputStream in, OutputStream out, String status, String firstChunk) throws IOException {
        StringBuilder answer = new StringBuilder("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        if (firstChunk != null) {
            byte[] chunk = firstChunk.getBytes(StandardCharsets.UTF_8);
            answer.append(Integer.toHexString(chunk.length)).append("\r\n").append(firstChunk).append("\r\n");
        }
        out.write(answer.toString().getBytes(StandardCharsets.UTF_8));
        out.flush();
        while (in.read() >= 0) {
            // silent until the proxy gives up on this connection
        }
        throw new IOException("closed by the proxy");
    }

    /** The InvokeModel body (base64 in {@code {"input":{"invokeModel":{"body":...}}}}) of a CountTokens request. */
    private static String invokeModelBody(String countRequest) {
        java.util.regex.Matcher body = java.util.regex.Pattern.compile("\"body\"\\s*:\\s*\"([A-Za-z0-9+/=]*)\"").matcher(countRequest);
        return body.find() ? new String(java.util.Base64.getDecoder().decode(body.group(1)), StandardCharsets.UTF_8) : "";
    }

    /** Nothing at all until the peer closes. */
    private static void silence(InputStream in) throws IOException {
        while (in.read() >= 0) {
            // silent until the proxy gives up on this connection
        }
        throw new IOException("closed by the proxy");
    }

    /** A request's head, up to and with its empty line; null when the connection ends first. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            int n = head.size();
            byte[] bytes = head.toByteArray();
            if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n') {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    /** The head's Content-Length, 0 without one. */
    static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return 0;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
