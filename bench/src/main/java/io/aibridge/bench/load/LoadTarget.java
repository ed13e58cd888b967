package io.aibridge.bench.load;

import java.util.Map;

/**
 * Where a load run sends its requests and what each request is.
 *
 * @param name          what the target is, for tables ("direct", "proxy")
 * @param url           absolute URL of the POST
 * @param headers       headers of every request
 * @param body          the request body, the same for every request
 * @param sessionHeader a header that gets a client session id per request (spread over {@code sessions}
 *                      values, as many agents at once), or null
 * @param sessionPrefix prefix of those ids
 * @param sessions      how many distinct ids
 * @param hangUpEvery   every n-th request (by its index in the run) is abandoned by the client as soon
 *                      as the first body byte arrives, its connection closed, as a user who stops an
 *                      agent mid-answer; 0: every request is read to its end
 */
public record LoadTarget(String name, String url, Map<String, String> headers, byte[] body, String sessionHeader,
                         String sessionPrefix, int sessions, int hangUpEvery) {

    /** The same requests, with every n-th one abandoned after its first body byte. */
    public LoadTarget hangingUpEvery(int n) {
        return new LoadTarget(name, url, headers, body, sessionHeader, sessionPrefix, sessions, n);
    }
}
