package io.aibridge.proxy.bedrock;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The one blocking HTTP call behind every credentials fetch, bounded in time as a whole. */
final class CredentialsHttp {

    /** The longest a fetch may take, connection and answer together; start-up waits at most this long. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** How much of an error answer goes into a message: enough for STS's reason, not a page of HTML. */
    private static final int EXCERPT = 300;

    private CredentialsHttp() {
    }

    /**
     * The body of a 200 answer to {@code request}; any other status, a failure to connect or no
     * answer within {@link #TIMEOUT} is an {@link IOException} that starts with {@code what}. Only
     * error answers are quoted: a 200 holds the secret.
     */
    static String fetch(HttpClient http, HttpRequest request, String what) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<String>> call = http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> response;
        try {
            response = call.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new HttpTimeoutException(what + " did not answer within " + TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            call.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            throw new IOException(what + " could not be reached: " + e.getCause(), e.getCause());
        }
        if (response.statusCode() != 200) {
            throw new IOException(what + " answered HTTP " + response.statusCode() + ": " + excerpt(response.body()));
        }
        return response.body();
    }

    /** A token file's content, trimmed; read at each fetch because the platform rotates it in place. */
    static String readToken(Path file, String what) throws IOException {
        String token;
        try {
            token = Files.readString(file).trim();
        } catch (IOException e) {
            throw new IOException("could not read the " + what + " file " + file + ": " + e, e);
        }
        if (token.isEmpty()) {
            throw new IOException("the " + what + " file " + file + " is empty");
        }
        return token;
    }

    /** An ISO-8601 time with an offset ({@code 2025-03-14T16:00:00Z}), as STS and the container endpoint give expirations. */
    static Instant parseExpiration(String text) {
        return OffsetDateTime.parse(text.trim()).toInstant();
    }

    private static String excerpt(String body) {
        if (body == null || body.isBlank()) {
            return "(no body)";
        }
        String flat = body.strip().replace('\n', ' ').replace('\r', ' ');
        return flat.length() <= EXCERPT ? flat : flat.substring(0, EXCERPT) + "…";
    }
}
