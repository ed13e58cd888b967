package io.aibridge.proxy.bedrock;

import java.io.IOException;

/**
 * Where temporary AWS credentials are fetched from (STS for web identity, the container
 * credentials endpoint); {@link AwsCredentialsProvider} decides when. A fetch blocks, so it runs at
 * start-up and then on the provider's own thread, never on an event loop.
 */
interface CredentialsSource {

    /** Fetches a fresh set of credentials; the message of a failure names the endpoint and never a secret. */
    AwsCredentials fetch() throws IOException, InterruptedException;

    /** Where the credentials come from, for a log line: no secrets, no tokens. */
    String describe();
}
