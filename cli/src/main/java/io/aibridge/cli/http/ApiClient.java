package io.aibridge.cli.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.aibridge.cli.CliException;
import io.aibridge.cli.ExitCodes;
import io.aibridge.cli.Version;
import io.aibridge.cli.json.Json;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The query API over HTTP: one {@link HttpClient}, the token in {@code Authorization: Bearer}, JSON
 * in and out. Every failure becomes a {@link CliException} with exit code 2: the API's error body
 * ({@link ApiException}), or one line saying why the server could not be reached.
 */
public final class ApiClient {

    /** Reads a successful answer's body as it arrives (exports stream pages through it). */
    @FunctionalInterface
    public interface BodyReader<T> {
        T read(InputStream body) throws IOException;
    }

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final String base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param base    the server, e.g. {@code http://localhost:8081} (a path prefix is kept)
     * @param token   an API key or the bootstrap token
     * @param timeout how long one request may take, answer included
     */
    public ApiClient(URI base, String token, Duration timeout) {
        this(base, token, timeout, Network.defaults());
    }

    /** The same, through the proxy and with the trusted CAs that {@code network} names. */
    public ApiClient(URI base, String token, Duration timeout, Network network) {
        String b = base.toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.token = token;
        this.timeout = timeout;
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                // a redirect would carry the token to wherever it points: report it instead
                .followRedirects(HttpClient.Redirect.NEVER);
        network.proxy().ifPresent(builder::proxy);
        network.tls().ifPresent(builder::sslContext);
        this.http = builder.build();
    }

    public String base() {
        return base;
    }

    /** {@code GET path?params}, the answer parsed. */
    public JsonNode get(String path, Params params) {
        return get(path, params, Json::read);
    }

    /** {@code GET path?params}, the answer's body handed to {@code reader} while it streams in. */
    public <T> T get(String path, Params params, BodyReader<T> reader) {
        HttpRequest request = request(path + params.toQueryString()).GET().build();
        HttpResponse<InputStream> response = exchange(request);
        try (InputStream body = new IdleTimeoutInputStream(response.body(), timeout)) {
            return reader.read(body);
        } catch (JsonProcessingException e) {
            throw new CliException(ExitCodes.SERVER_ERROR, "Unexpected answer from " + base + path + ": not the JSON the API sends ("
                    + e.getOriginalMessage() + ")");
        } catch (IOException | UncheckedIOException e) {
            throw failed(e instanceof UncheckedIOException u ? u.getCause() : (IOException) e);
        }
    }

    /** POST, PATCH or DELETE with an optional JSON body; the answer parsed. */
    public JsonNode send(String method, String path, JsonNode body) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(Json.bytes(body));
        HttpRequest.Builder builder = request(path).method(method, publisher);
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        HttpResponse<InputStream> response = exchange(builder.build());
        try (InputStream in = new IdleTimeoutInputStream(response.body(), timeout)) {
            return Json.read(in);
        } catch (JsonProcessingException e) {
            throw new CliException(ExitCodes.SERVER_ERROR, "Unexpected answer from " + base + path + ": not JSON");
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(timeout)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json")
                .header("User-Agent", "aibridge-cli/" + Version.VERSION);
    }

    private HttpResponse<InputStream> exchange(HttpRequest request) {
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw failed(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.SERVER_ERROR, "Interrupted while waiting for " + base);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return response;
        }
        String raw = readError(response.body());
        if (status >= 300 && status < 400) {
            throw new CliException(ExitCodes.SERVER_ERROR, "AI Bridge at " + base + " answered with a redirect (HTTP " + status
                    + ") to " + response.headers().firstValue("Location").orElse("nowhere")
                    + "; check the URL (AIBRIDGE_URL or --url)");
        }
        JsonNode json = null;
        try {
            json = raw.isEmpty() ? null : Json.MAPPER.readTree(raw);
        } catch (JsonProcessingException e) {
            // not the API's error shape: shown raw below
        }
        throw ApiException.from(status, json, raw);
    }

    private static String readError(InputStream body) {
        try (body) {
            return new String(body.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private CliException failed(IOException e) {
        String why;
        if (e instanceof HttpConnectTimeoutException) {
            why = "no connection within " + CONNECT_TIMEOUT.toSeconds() + "s";
        } else if (e instanceof HttpTimeoutException) {
            why = "no answer within " + timeout.toSeconds() + "s (raise it with --timeout)";
        } else if (e instanceof ConnectException) {
            why = hasCause(e, UnresolvedAddressException.class) ? "unknown host " + URI.create(base).getHost() : "connection refused";
        } else if (e instanceof SSLException) {
            why = "TLS failed: " + e.getMessage();
        } else {
            why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return new CliException(ExitCodes.SERVER_ERROR, "Cannot reach AI Bridge at " + base + ": " + why);
    }

    private static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
