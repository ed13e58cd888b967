package io.aibridge.proxy.upstream;

import io.aibridge.proxy.route.ProviderType;
import io.vertx.core.MultiMap;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The configured keys of one provider instance ({@code AIBRIDGE_PROVIDER_<N>_KEYS}, at most
 * {@value #MAX}), in order: the first is the primary, the others take over when the provider turns
 * a key away. Each request {@linkplain #walk() walks} them: it starts with the first key that is
 * not cooling down, and when the provider answers 429 (this key's rate limit or quota), 401 or 403
 * (revoked, wrong, or not allowed), that key cools down and the same request is sent again at once
 * with the next key that is not. A 429 cools a key for the provider's {@code retry-after-ms} or
 * {@code Retry-After}, else {@value #RATE_LIMITED_COOLDOWN_MILLIS} ms; a 401 or 403 for
 * {@value #REFUSED_COOLDOWN_MILLIS} ms, after which the key is tried again (a key that was fixed
 * comes back without a restart; a revoked one costs one refused call every five minutes).
 *
 * <p>A cooling key is skipped, never refused locally: when every key is cooling, the one that
 * recovers first is used, and the provider's answer goes to the caller as it is. So one key behaves
 * exactly as a single {@code KEY}, and a pool can only add keys to try, never take a call away.
 * Thread-safe: the state of a key is two volatile fields, read and written by any event loop.
 *
 * <p>Cooldowns run on {@link System#nanoTime()}, not the wall clock: a clock stepped back by NTP
 * must not lengthen them, nor one stepped forward end them early. Its values are only compared as
 * differences ({@code until - now > 0}), since they may be negative and may wrap.
 */
public final class ProviderKeys {

    /** The most keys one instance takes, as the reference. */
    public static final int MAX = 5;
    static final long RATE_LIMITED_COOLDOWN_MILLIS = 60_000;
    static final long REFUSED_COOLDOWN_MILLIS = 5 * 60_000;
    /** The longest cooldown a provider's {@code Retry-After} can impose (a day's quota says "tomorrow"). */
    static final long MAX_COOLDOWN_MILLIS = 60 * 60_000;

    private static final Logger LOG = Logger.getLogger(ProviderKeys.class);
    /** No configured key: nothing is written into the request, nothing fails over. */
    public static final ProviderKeys NONE = new ProviderKeys("", ProviderType.OPENAI, List.of(), System::nanoTime);

    /** Why a key was set aside, as the failover metric's {@code reason} label. */
    public enum Reason {
        RATE_LIMITED("rate_limited"), UNAUTHORIZED("unauthorized"), FORBIDDEN("forbidden");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        static Reason of(int status) {
            return switch (status) {
                case 429 -> RATE_LIMITED;
                case 401 -> UNAUTHORIZED;
                case 403 -> FORBIDDEN;
                default -> null;
            };
        }
    }

    /** Told when a request moves from one key to the next (metrics). */
    public interface Listener {
        void failedOver(String provider, Reason reason);
    }

    /** One key, the header that carries it (made once), and its state. */
    private static final class Key {
        final String value;
        final UpstreamCredential credential;
        final String hint;
        /** On the pool's clock; the time the key was made at first, so a fresh key is not cooling. */
        volatile long coolingUntil;
        volatile Reason reason;

        Key(String value, ProviderType type, long now) {
            this.value = value;
            this.credential = UpstreamCredential.centralized(type, value);
            this.hint = credential.hint();
            this.coolingUntil = now;
        }

        boolean coolingAt(long now) {
            return coolingUntil - now > 0;
        }
    }

    private final String provider;
    private final List<Key> keys;
    /** Nanoseconds on a monotonic clock ({@link System#nanoTime()}). */
    private final LongSupplier clock;
    private volatile Listener listener = (p, r) -> {
    };
    private final AtomicLong failovers = new AtomicLong();

    private ProviderKeys(String provider, ProviderType type, List<String> values, LongSupplier clock) {
        this.provider = provider;
        long now = clock.getAsLong();
        this.keys = values.stream().map(value -> new Key(value, type, now)).toList();
        this.clock = clock;
    }

    /** The keys as configured (already split and checked by {@link #parse}); none gives an empty pool. */
    public static ProviderKeys of(String provider, ProviderType type, List<String> values) {
        return of(provider, type, values, System::nanoTime);
    }

    /** @param clock nanoseconds on a monotonic clock, as {@link System#nanoTime()} */
    static ProviderKeys of(String provider, ProviderType type, List<String> values, LongSupplier clock) {
        return values.isEmpty() ? NONE : new ProviderKeys(provider, type, List.copyOf(values), clock);
    }

    /**
     * The keys of a {@code KEYS} value: comma-separated, each trimmed, 1 to {@value #MAX} of them,
     * none empty, none twice.
     *
     * @param variable the variable's name, for the message of a bad value
     * @throws IllegalArgumentException naming the variable and what is wrong, never a key
     */
    public static List<String> parse(String value, String variable) {
        String[] parts = value.split(",", -1);
        if (parts.length > MAX) {
            throw new IllegalArgumentException(variable + " lists " + parts.length + " keys; a provider takes at most " + MAX
                    + " (configure another provider instance for more)");
        }
        List<String> out = new ArrayList<>(parts.length);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < parts.length; i++) {
            String key = parts[i].trim();
            if (key.isEmpty()) {
                throw new IllegalArgumentException(variable + ": key " + (i + 1) + " of " + parts.length + " is empty; separate the "
                        + "keys with single commas");
            }
            if (!seen.add(key)) {
                throw new IllegalArgumentException(variable + ": key " + (i + 1) + " (" + CredentialHint.of(key)
                        + ") is listed twice");
            }
            out.add(key);
        }
        return out;
    }

    /** True for the answers that set a key aside: 429, 401 and 403. */
    public static boolean turnsKeyAway(int status) {
        return status == 429 || status == 401 || status == 403;
    }

    public boolean isEmpty() {
        return keys.isEmpty();
    }

    public int size() {
        return keys.size();
    }

    /** The primary key (the first), or null when none is configured. */
    public String primary() {
        return keys.isEmpty() ? null : keys.get(0).value;
    }

    /** Keys that a request may start with now. */
    public int available() {
        long now = clock.getAsLong();
        return (int) keys.stream().filter(k -> !k.coolingAt(now)).count();
    }

    /** Keys cooling down now for {@code reason}. */
    public int cooling(Reason reason) {
        long now = clock.getAsLong();
        return (int) keys.stream().filter(k -> k.coolingAt(now) && k.reason == reason).count();
    }

    /** Requests moved to another key since start. */
    public long failovers() {
        return failovers.get();
    }

    public void listener(Listener listener) {
        this.listener = listener;
    }

    /** A new request's way through the keys: it starts with the first key that is not cooling down. */
    public Walk walk() {
        if (keys.isEmpty()) {
            return Walk.NONE;
        }
        long now = clock.getAsLong();
        int start = 0;
        for (int i = 0; i < keys.size(); i++) {
            Key key = keys.get(i);
            if (!key.coolingAt(now)) {
                start = i;
                break;
            }
            if (key.coolingUntil - keys.get(start).coolingUntil < 0) {
                start = i; // all cooling so far: the one that recovers first
            }
        }
        return new Walk(this, start);
    }

    @Override
    public String toString() {
        return keys.size() + (keys.size() == 1 ? " key" : " keys");
    }

    /**
     * One request's keys: the one in use, and the move to the next when the provider turns it away.
     * Not thread-safe: a request's attempts follow each other.
     */
    public static final class Walk {

        /** Nothing to walk (no key, BYOK, Bedrock): the headers stay as they are, nothing fails over. */
        public static final Walk NONE = new Walk(null, -1);
        private static final UpstreamCredential NO_CREDENTIAL = UpstreamCredential.centralized(ProviderType.OPENAI, null);

        private final ProviderKeys pool;
        private int current;
        private long tried;

        private Walk(ProviderKeys pool, int start) {
            this.pool = pool;
            this.current = start;
            this.tried = start < 0 ? 0 : 1L << start;
        }

        /** The key in use, or null for {@link #NONE}. */
        public String key() {
            return pool == null ? null : pool.keys.get(current).value;
        }

        /** The credential of the key in use, for the interception's kind and hint; for {@link #NONE}, none (nothing is sent). */
        public UpstreamCredential credential() {
            return pool == null ? NO_CREDENTIAL : pool.keys.get(current).credential;
        }

        /** Writes the key in use into {@code headers} (its provider's header) and returns them; {@link #NONE} leaves them alone. */
        public MultiMap applyTo(MultiMap headers) {
            if (pool != null) {
                UpstreamCredential credential = credential();
                headers.set(credential.header(), credential.value());
            }
            return headers;
        }

        /**
         * After the provider answered {@code status}: when that turns the key in use away (429,
         * 401, 403), it cools down and the walk moves to the next key not tried yet and not
         * cooling. Only then true: the request is to be sent again at once, with {@link #key()}.
         *
         * @param retryAfterMillis the provider's wait, or a negative number when it named none
         */
        public boolean failover(int status, long retryAfterMillis) {
            Reason reason = Reason.of(status);
            if (pool == null || reason == null) {
                return false;
            }
            Key key = pool.keys.get(current);
            long now = pool.clock.getAsLong();
            long cooldown = reason == Reason.RATE_LIMITED
                    ? retryAfterMillis > 0 ? Math.min(retryAfterMillis, MAX_COOLDOWN_MILLIS) : RATE_LIMITED_COOLDOWN_MILLIS
                    : REFUSED_COOLDOWN_MILLIS;
            long until = now + TimeUnit.MILLISECONDS.toNanos(cooldown);
            if (until - key.coolingUntil > 0) {
                boolean fresh = !key.coolingAt(now);
                key.reason = reason;
                key.coolingUntil = until;
                if (fresh && pool.keys.size() > 1) { // one key is always sent: the call's own log says what happened
                    log(key, status, cooldown);
                }
            }
            for (int i = 0; i < pool.keys.size(); i++) {
                if ((tried & 1L << i) == 0 && !pool.keys.get(i).coolingAt(now)) {
                    current = i;
                    tried |= 1L << i;
                    pool.failovers.incrementAndGet();
                    pool.listener.failedOver(pool.provider, reason);
                    return true;
                }
            }
            return false;
        }

        private void log(Key key, int status, long cooldown) {
            String what = "provider %s answered %d for its key %s (%d of %d); it is set aside for %d s";
            Object[] args = {pool.provider, status, key.hint, pool.keys.indexOf(key) + 1, pool.keys.size(), cooldown / 1000};
            if (status == 429) {
                LOG.infof(what, args);
            } else {
                LOG.warnf(what + " (check that the key is valid and allowed to use this API)", args);
            }
        }
    }
}
