package io.aibridge.proxy.route;

import io.aibridge.proxy.auth.CallerCredentials;

/**
 * A request admitted on a provider route, from its headers until its body is complete: the instance
 * it is for and its authenticated caller.
 */
final class Admission {

    /** Where {@link ProxyRoutes} keeps it in the routing context. */
    static final String KEY = "aibridge.admission";

    final ProviderInstance instance;
    final CallerCredentials.Caller caller;

    Admission(ProviderInstance instance, CallerCredentials.Caller caller) {
        this.instance = instance;
        this.caller = caller;
    }
}
