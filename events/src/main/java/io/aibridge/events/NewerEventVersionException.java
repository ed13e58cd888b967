package io.aibridge.events;

/**
 * A record whose {@code ce_type} is a later version of one of this contract's types: the same
 * name with a higher {@code vN}, e.g. {@code io.aibridge.interception.started.v2} next to the
 * known {@code io.aibridge.interception.started.v1}. During a migration producers publish both
 * versions (EVENTS.md, compatibility rules), so a consumer that knows only the earlier one skips
 * these records rather than treating them as poison: the earlier version carries the same fact.
 */
public final class NewerEventVersionException extends UnknownEventTypeException {

    private final EventType knownVersion;

    public NewerEventVersionException(String ceType, EventType knownVersion) {
        super(ceType, "unknown ce_type '" + ceType + "', a newer version of " + knownVersion.ceType());
        this.knownVersion = knownVersion;
    }

    /** The latest version of the same type that this contract knows. */
    public EventType knownVersion() {
        return knownVersion;
    }
}
