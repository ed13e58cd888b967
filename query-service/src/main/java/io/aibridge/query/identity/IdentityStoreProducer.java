package io.aibridge.query.identity;

import io.aibridge.identity.IdentityStore;
import io.aibridge.query.QueryConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** The one in-memory identity store of this replica, fed by {@link IdentityLifecycle}. */
@ApplicationScoped
public class IdentityStoreProducer {

    @Produces
    @Singleton
    IdentityStore identityStore(QueryConfig config) {
        return new IdentityStore(config.bootstrapToken().orElse(null));
    }
}
