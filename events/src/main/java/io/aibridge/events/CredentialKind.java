package io.aibridge.events;

/** How the upstream call authenticated: the company's configured key ({@code centralized}), or the user's own key ({@code byok}, bring your own key). */
public enum CredentialKind implements WireEnum {
    CENTRALIZED, BYOK
}
