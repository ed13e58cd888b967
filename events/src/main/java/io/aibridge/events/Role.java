package io.aibridge.events;

/** A user's role. Owners and auditors read every record; a member reads only their own; only owners manage users and keys. */
public enum Role implements WireEnum {
    OWNER, AUDITOR, MEMBER
}
