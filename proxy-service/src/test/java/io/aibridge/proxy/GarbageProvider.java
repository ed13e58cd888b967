package io.aibridge.proxy;

import io.aibridge.testing.fake.Api;
import io.aibridge.testing.fake.Fixture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A provider that answers each request with a damaged version of a fixture's answer, for the
 * upstream fuzz test: frames dropped, repeated, swapped, cut or filled with noise, invalid UTF-8,
 * a line of a megabyte, a body shorter than its Content-Length, chunked encoding left unfinished,
 * a content type that does not match, a status line that is no HTTP. What it sends depends only on
 * the request's model, {@code fuzz-<seed>}, so a failing case replays; {@code fuzz-clean} gets the
 * fixture unchanged. It closes every connection after its answer. Plain sockets, so that it can
 * send what no HTTP library would.
 */
public final class GarbageProvider implements AutoCloseable {

    private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"fuzz-(clean|-?\\d+)\"");

    /**
     * What was sent for a seed: whether the head was valid HTTP, its status, and whether the body
     * was whole by its own framing (not shorter than its Content-Length, its chunking finished).
     */
    public record Sent(boolean validHead, int status, boolean whole) {
    }

    private final ServerSocket server;
    private final Map<String, Sent> sent = new ConcurrentHashMap<>();

    private GarbageProvider(ServerSocket server) {
        this.server = server;
    }

    public static GarbageProvider start() {
        GarbageProvider provider = new GarbageProvider(StallingProvider.loopbackServer());
        StallingProvider.serveEachConnection(provider.server, "garbage-provider", provider::serve);
        return provider;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** What the provider sent for the request with model {@code fuzz-<seed>}, or null when none came. */
    public Sent sent(String seed) {
        return sent.get(seed);
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            String head = StallingProvider.readHead(in);
            if (head == null) {
                return;
            }
            String path = head.substring(0, head.indexOf("\r\n")).split(" ")[1];
            String request = new String(in.readNBytes(StallingProvider.contentLength(head)), StandardCharsets.UTF_8);
            Api api = path.endsWith("/messages") ? Api.ANTHROPIC_MESSAGES : path.endsWith("/responses") ? Api.OPENAI_RESPONSES
                    : Api.OPENAI_CHAT;
            Matcher model = MODEL.matcher(request);
            String seed = model.find() ? model.group(1) : "clean";
            boolean stream = request.replace(" ", "").contains("\"stream\":true");
            answer(socket.getOutputStream(), api, stream, seed);
        } catch (IOException e) {
            // the proxy went away first
        }
    }

    private void answer(OutputStream out, Api api, boolean stream, String seed) throws IOException {
        Fixture fixture = Fixture.load(api, List.of("tool-calls", "text", "cache-tokens").get(Math.floorMod(seed.hashCode(), 3)));
        String contentType = stream ? "text/event-stream" : "application/json";
        byte[] body = (stream ? fixture.stream() : fixture.response()).getBytes(StandardCharsets.UTF_8);
        if (seed.equals("clean")) {
            sent.put(seed, new Sent(true, 200, true));
            writeHead(out, "200 OK", contentType, "Content-Length: " + body.length);
            out.write(body);
            out.flush();
            return;
        }
        Random random = new Random(Long.parseLong(seed));
        body = stream ? damagedStream(new String(body, StandardCharsets.UTF_8), random) : damagedJson(body, random);
        if (random.nextInt(12) == 0) {
            sent.put(seed, new Sent(false, 0, false));
            out.write(List.of("HTTP/1.1 abc\r\n\r\n", "garbage\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", "")
                    .get(random.nextInt(4)).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return;
        }
        int status = random.nextInt(8) == 0 ? List.of(400, 429, 500, 503, 529).get(random.nextInt(5)) : 200;
        int framing = random.nextInt(5);
        sent.put(seed, new Sent(true, status, framing != 1 && framing != 3));
        if (random.nextInt(8) == 0) {
            contentType = List.of("text/plain", "application/json", "text/event-stream", "application/octet-stream").get(random.nextInt(4));
        }
        String reason = status == 200 ? "OK" : "Failed";
        switch (framing) {
            case 0 -> { // exact length
                writeHead(out, status + " " + reason, contentType, "Content-Length: " + body.length);
                out.write(body);
            }
            case 1 -> { // promises more than it sends, then closes
                writeHead(out, status + " " + reason, contentType, "Content-Length: " + (body.length + 1 + random.nextInt(1000)));
                out.write(body);
            }
            case 2 -> { // chunked, properly ended
                writeHead(out, status + " " + reason, contentType, "Transfer-Encoding: chunked");
                writeChunks(out, body, random);
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            case 3 -> { // chunked, cut off in the middle
                writeHead(out, status + " " + reason, contentType, "Transfer-Encoding: chunked");
                writeChunks(out, java.util.Arrays.copyOf(body, random.nextInt(body.length + 1)), random);
            }
            default -> { // no length: the body ends with the connection
                writeHead(out, status + " " + reason, contentType, "X-Body: until-close");
                out.write(body);
            }
        }
        out.flush();
    }

    private static byte[] damagedStream(String stream, Random random) {
        List<String> frames = new ArrayList<>(List.of(stream.split("\n\n")));
        for (int n = 1 + random.nextInt(4); n > 0 && !frames.isEmpty(); n--) {
            int at = random.nextInt(frames.size());
            String frame = frames.get(at);
            switch (random.nextInt(10)) {
                case 0 -> frames.remove(at);
                case 1 -> frames.add(at, frame);
                case 2 -> frames.set(at, frames.set(random.nextInt(frames.size()), frame));
                case 3 -> frames.set(at, frame.substring(0, random.nextInt(frame.length() + 1)));
                case 4 -> frames.set(at, frame.replaceFirst("\\{", "{\"noise\":[1,{\""));
                case 5 -> frames.add(at, "data: " + "x".repeat(1 << 20));
                case 6 -> frames.add(at, List.of(": ping", "event: ping", "data:", "data: [DONE]", "retry: 10", "id: 7",
                        "data: {\"type\":\"" + "content_block_delta\",\"index\":99,\"delta\":{\"type\":\"input_json_delta\"}}",
                        "data: {\"usage\":{\"input_tokens\":-5,\"output_tokens\":1e400}}", "data: null", "data: []").get(random.nextInt(10)));
                case 7 -> frames.set(at, frame.replace("\n", "\r\n"));
                case 8 -> frames.set(at, frame.replaceAll("[0-9]+", String.valueOf(random.nextLong())));
                default -> frames.set(at, frame.toUpperCase(Locale.ROOT));
            }
        }
        byte[] text = String.join("\n\n", frames).concat(random.nextBoolean() ? "\n\n" : "").getBytes(StandardCharsets.UTF_8);
        return random.nextInt(4) == 0 ? withInvalidUtf8(text, random) : text;
    }

    private static byte[] damagedJson(byte[] json, Random random) {
        String text = new String(json, StandardCharsets.UTF_8);
        return switch (random.nextInt(7)) {
            case 0 -> java.util.Arrays.copyOf(json, random.nextInt(json.length + 1));
            case 1 -> withInvalidUtf8(json, random);
            case 2 -> text.replaceAll("[0-9]+", String.valueOf(random.nextLong())).getBytes(StandardCharsets.UTF_8);
            case 3 -> text.replaceFirst("\\{", "{\"usage\":null,\"content\":7,\"output\":\"x\",").getBytes(StandardCharsets.UTF_8);
            case 4 -> ("[" + text + "]").getBytes(StandardCharsets.UTF_8);
            case 5 -> "<html><body>Bad gateway</body></html>".getBytes(StandardCharsets.UTF_8);
            default -> new byte[0];
        };
    }

    private static byte[] withInvalidUtf8(byte[] bytes, Random random) {
        return withInvalidUtf8(bytes, random.nextInt(bytes.length + 1), random);
    }

    /**
     * {@code bytes} with a sequence that is no UTF-8 inserted at {@code at}: a lone continuation byte,
     * an overlong form, 0xFF, a surrogate's encoding or a character cut after its second byte.
     */
    static byte[] withInvalidUtf8(byte[] bytes, int at, Random random) {
        byte[][] invalid = {{(byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xFF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                {(byte) 0xF0, (byte) 0x9F}};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes, 0, at);
        out.writeBytes(invalid[random.nextInt(invalid.length)]);
        out.write(bytes, at, bytes.length - at);
        return out.toByteArray();
    }

    private static void writeHead(OutputStream out, String status, String contentType, String framing) throws IOException {
        out.write(("HTTP/1.1 " + status + "\r\nContent-Type: " + contentType + "\r\n" + framing + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    }

    private static void writeChunks(OutputStream out, byte[] body, Random random) throws IOException {
        for (int from = 0; from < body.length; ) {
            int size = Math.min(body.length - from, 1 + random.nextInt(4096));
            out.write((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, from, size);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            from += size;
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
