package io.aibridge.recorder.identity;

import io.aibridge.events.ApiKeyCreated;
import io.aibridge.events.ApiKeyRevoked;
import io.aibridge.events.IdentityEvent;
import io.aibridge.events.UserUpserted;
import io.aibridge.recorder.consumer.EventWriter;
import io.aibridge.recorder.sql.SqlArrays;
import jakarta.enterprise.context.ApplicationScoped;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Maintains {@code aibridge_users} and {@code aibridge_api_keys} from the compacted identity
 * topic, in one transaction per batch, whatever the order of the events:
 * <ul>
 *   <li>a user version replaces the stored one only if its {@code updated_at} is later;</li>
 *   <li>a key's creation fills in its hash, name and times unless a creation was stored already; a
 *       creation whose hash is of no secret ({@code BootstrapAdmin.NO_SECRET_HASH}, all zeros) always
 *       does: it replaces the hash of a bootstrap token that earlier versions published;</li>
 *   <li>a revocation is final: the earliest revocation time stays, and a creation seen later does
 *       not undo it; after compaction a key may appear only as its revocation, and then its
 *       {@code secret_hash} stays NULL.</li>
 * </ul>
 * Only SHA-256 hashes of key secrets exist in the events, and only they are stored.
 */
@ApplicationScoped
public class IdentityWriter implements EventWriter<IdentityEvent> {

    private static final String UPSERT_USERS = """
            INSERT INTO aibridge_users AS u (id, username, name, email, avatar_url, role, status, created_at, updated_at)
            SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
                                 ?::timestamptz[], ?::timestamptz[])
            ON CONFLICT (id) DO UPDATE SET
                username = excluded.username, name = excluded.name, email = excluded.email,
                avatar_url = excluded.avatar_url, role = excluded.role, status = excluded.status,
                created_at = excluded.created_at, updated_at = excluded.updated_at
            WHERE u.updated_at < excluded.updated_at
            """;

    private static final String UPSERT_CREATED_KEYS = """
            INSERT INTO aibridge_api_keys AS k (id, user_id, name, secret_hash, created_at, expires_at)
            SELECT * FROM unnest(?::text[], ?::uuid[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[])
            ON CONFLICT (id) DO UPDATE SET
                user_id = excluded.user_id, name = excluded.name, secret_hash = excluded.secret_hash,
                created_at = excluded.created_at, expires_at = excluded.expires_at
            WHERE k.secret_hash IS NULL OR excluded.secret_hash = '0000000000000000000000000000000000000000000000000000000000000000'
            """;

    private static final String UPSERT_REVOKED_KEYS = """
            INSERT INTO aibridge_api_keys AS k (id, user_id, revoked_at)
            SELECT * FROM unnest(?::text[], ?::uuid[], ?::timestamptz[])
            ON CONFLICT (id) DO UPDATE SET revoked_at = excluded.revoked_at
            WHERE k.revoked_at IS NULL OR k.revoked_at > excluded.revoked_at
            """;

    /** The hash of no secret, on the {@code bootstrap} key's creation: it replaces any other hash of the key. */
    static final String NO_SECRET_HASH = "0".repeat(64);

    private final DataSource dataSource;

    public IdentityWriter(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public void write(List<IdentityEvent> events) throws SQLException {
        // One row per id and statement (ON CONFLICT DO UPDATE may touch a row once): the same rule as across batches.
        Map<UUID, UserUpserted> users = new LinkedHashMap<>();
        Map<String, ApiKeyCreated> created = new LinkedHashMap<>();
        Map<String, ApiKeyRevoked> revoked = new LinkedHashMap<>();
        for (IdentityEvent event : events) {
            if (event instanceof UserUpserted user) {
                users.merge(user.userId(), user, (a, b) -> b.updatedAt().isAfter(a.updatedAt()) ? b : a);
            } else if (event instanceof ApiKeyCreated key) {
                // the first creation wins, except that a zero hash replaces any other (as across batches)
                created.merge(key.keyId(), key, (a, b) -> NO_SECRET_HASH.equals(b.secretHash())
                        && !NO_SECRET_HASH.equals(a.secretHash()) ? b : a);
            } else if (event instanceof ApiKeyRevoked key) {
                revoked.merge(key.keyId(), key, (a, b) -> b.revokedAt().isBefore(a.revokedAt()) ? b : a);
            } else {
                throw new IllegalArgumentException("unknown identity event " + event.getClass().getName());
            }
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                upsertUsers(connection, users.values());
                upsertCreatedKeys(connection, created.values());
                upsertRevokedKeys(connection, revoked.values());
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException ignored) {
                    // the connection is most likely gone
                }
                throw e;
            } finally {
                try {
                    connection.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // a broken connection is discarded by the pool
                }
            }
        }
    }

    private static void upsertUsers(Connection connection, Collection<UserUpserted> users) throws SQLException {
        if (users.isEmpty()) {
            return;
        }
        try (PreparedStatement s = connection.prepareStatement(UPSERT_USERS)) {
            SqlArrays.uuids(s, 1, map(users, UserUpserted::userId));
            SqlArrays.texts(s, 2, map(users, UserUpserted::username));
            SqlArrays.texts(s, 3, map(users, UserUpserted::name));
            SqlArrays.texts(s, 4, map(users, UserUpserted::email));
            SqlArrays.texts(s, 5, map(users, UserUpserted::avatarUrl));
            SqlArrays.texts(s, 6, map(users, u -> u.role().wireName()));
            SqlArrays.texts(s, 7, map(users, u -> u.status().wireName()));
            SqlArrays.times(s, 8, map(users, UserUpserted::createdAt));
            SqlArrays.times(s, 9, map(users, UserUpserted::updatedAt));
            s.executeUpdate();
        }
    }

    private static void upsertCreatedKeys(Connection connection, Collection<ApiKeyCreated> keys) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        try (PreparedStatement s = connection.prepareStatement(UPSERT_CREATED_KEYS)) {
            SqlArrays.texts(s, 1, map(keys, ApiKeyCreated::keyId));
            SqlArrays.uuids(s, 2, map(keys, ApiKeyCreated::userId));
            SqlArrays.texts(s, 3, map(keys, ApiKeyCreated::name));
            SqlArrays.texts(s, 4, map(keys, ApiKeyCreated::secretHash));
            SqlArrays.times(s, 5, map(keys, ApiKeyCreated::createdAt));
            SqlArrays.times(s, 6, map(keys, ApiKeyCreated::expiresAt));
            s.executeUpdate();
        }
    }

    private static void upsertRevokedKeys(Connection connection, Collection<ApiKeyRevoked> keys) throws SQLException {
        if (keys.isEmpty()) {
            return;
        }
        try (PreparedStatement s = connection.prepareStatement(UPSERT_REVOKED_KEYS)) {
            SqlArrays.texts(s, 1, map(keys, ApiKeyRevoked::keyId));
            SqlArrays.uuids(s, 2, map(keys, ApiKeyRevoked::userId));
            SqlArrays.times(s, 3, map(keys, ApiKeyRevoked::revokedAt));
            s.executeUpdate();
        }
    }

    private static <T, V> List<V> map(Collection<T> items, Function<T, V> column) {
        List<V> values = new ArrayList<>(items.size());
        for (T item : items) {
            values.add(column.apply(item));
        }
        return values;
    }
}
