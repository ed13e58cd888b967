package io.aibridge.query.access;

import io.aibridge.query.api.ApiException;
import jakarta.enterprise.context.RequestScoped;

/** Holds the caller that {@link AuthenticationFilter} established for the current request. */
@RequestScoped
public class CallerContext {

    private Caller caller;

    void set(Caller caller) {
        this.caller = caller;
    }

    /** The authenticated caller; every API resource runs behind the authentication filter. */
    public Caller caller() {
        if (caller == null) {
            throw new IllegalStateException("no authenticated caller on this request");
        }
        return caller;
    }

    /** Owners only: user and key management. */
    public Caller owner() {
        Caller c = caller();
        if (!c.isOwner()) {
            throw ApiException.forbidden("Only owners can manage users and API keys.");
        }
        return c;
    }
}
