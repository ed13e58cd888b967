package io.aibridge.events;

/** How an interception ended: {@code completed} (the upstream answered and the client got it all), {@code failed} (an error, from the upstream or the bridge), or {@code cancelled} (the client went away first). */
public enum EndStatus implements WireEnum {
    COMPLETED, FAILED, CANCELLED
}
