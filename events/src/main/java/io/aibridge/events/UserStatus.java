package io.aibridge.events;

/** Whether a user may use the bridge and the API: {@code active} or {@code suspended}. */
public enum UserStatus implements WireEnum {
    ACTIVE, SUSPENDED
}
