package io.aibridge.proxy.upstream;

import io.aibridge.proxy.route.ProviderType;
import io.vertx.core.MultiMap;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The configured keys of one provider instance ({@code AIBRIDGE_PROVIDER_<N>_KEYS}, at most
 * {@value #MAX}), in order: the first is the primary, the others take over when the provider turns
 * a key away. Each request {@linkplain #walk() walks} them: it starts with the first key that is
 * not cooling down for its model, and when the provider answers 429 (this key's rate limit or
 * quota), 401 (revoked or wrong) or 403 (not allowed), that key cools down and the same request is
 * sent again at once with the next key that is not. A 429 cools a key for the provider's
 * {@code retry-after-ms} or {@code Retry-After}, else {@value #RATE_LIMITED_COOLDOWN_MILLIS} ms; a
 * 401 or 403 for {@value #REFUSED_COOLDOWN_MILLIS} ms, after which the key is tried again (a key
 * that was fixed comes back without a restart; a revoked one costs one refused call every five
 * minutes).
 *
 * <p>What cools down: a 401 and a 429 the whole key, a 403 only the key for the request's model
 * ({@link Walk#forModel}, the model the proxy records; a passthrough call has none, so its 403 sets
 * the key aside for the calls without a model). The providers answer 403 for one model a key may
 * not use while the key works for the others: OpenAI when the key's project has no access to the
 * model, Anthropic with a {@code permission_error} for a resource. A 401 says the key itself is
 * refused. A 429 stays key-wide although both providers count their rate limits per model (OpenAI
 * lists a project's limits model by model and names the model in the 429's message; Anthropic
 * applies them to each model, or model class such as "Opus 4.x", separately): the same 429 also
 * says that the organization's or project's quota, credit or spend limit is used up (OpenAI's
 * {@code insufficient_quota} and its spend-limit codes, Anthropic's
 * {@code enforced_spend_limit_reached}, a {@code rate_limit_error} without {@code retry-after}),
 * which holds for every model, and the answer's body that tells them apart is dropped unread. A
 * key-wide 429 costs a model at most the provider's wait on that key; a model-scoped one for a
 * spent quota would cost each other model a refused call. A key keeps 403 cooldowns for at most
 * {@value #MAX_FORBIDDEN_MODELS} models: ended ones are dropped at the next 403, and past that many
 * the one that ends first makes room, so a caller cycling through model names cannot grow it.
 *
 * <p>A cooling key is skipped, never refused locally: when every key is cooling, the one that
 * recovers first is used, and the provider's answer goes to the caller as it is. So one key behaves
 * exactly as a single {@code KEY}, and a pool can only add keys to try, never take a call away.
 * Thread-safe: the key-wide state of a key is two volatile fields, read and written by any event
 * loop; its 403 cooldowns a concurrent map, written under the key's lock.
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
    /** The most models one key keeps a 403 cooldown for. */
    static final int MAX_FORBIDDEN_MODELS = 64;
    /** The model of a call that has none (a passthrough route); no request's model is empty. */
    private static final String NO_MODEL = "";

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
        /** Why the whole key cools: {@link Reason#RATE_LIMITED} or {@link Reason#UNAUTHORIZED} (a 403 is per model). */
        volatile Reason reason;
        /** The end of each model's 403 cooldown, on the pool's clock; ended ones stay until the next 403. */
        final Map<String, Long> forbidden = new ConcurrentHashMap<>();

        Key(String value, ProviderType type, long now) {
            this.value = value;
            this.credential = UpstreamCredential.centralized(type, value);
            this.hint = credential.hint();
            this.coolingUntil = now;
        }

        boolean coolingAt(long now) {
            return coolingUntil - now > 0;
        }

        /** When the key may be sent again for {@code model}: the later of the key's cooldown and that model's. */
        long until(String model) {
            long until = coolingUntil;
            Long forModel = forbidden.get(model);
            return forModel != null && forModel - until > 0 ? forModel : until;
        }

        boolean coolingAt(long now, String model) {
            return until(model) - now > 0;
        }

        /**
         * Sets the key aside for {@code model} until {@code until}, unless it already is for longer.
         * Drops the ended cooldowns, and when {@value #MAX_FORBIDDEN_MODELS} models still cool, the
         * one that ends first. True when the key was not set aside for that model before.
         */
        synchronized boolean forbid(String model, long until, long now) {
            Long before = forbidden.get(model);
            if (before != null && before - until >= 0) {
                return false;
            }
            forbidden.values().removeIf(end -> end - now <= 0);
            if (!forbidden.containsKey(model) && forbidden.size() >= MAX_FORBIDDEN_MODELS) {
                forbidden.entrySet().stream().min(Comparator.comparingLong(e -> e.getValue() - now))
                        .ifPresent(first -> forbidden.remove(first.getKey()));
            }
            forbidden.put(model, until);
            return before == null || before - now <= 0;
        }

        int forbiddenAt(long now) {
            return (int) forbidden.values().stream().filter(end -> end - now > 0).count();
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

    /** Keys that a request may start with now: not cooling as a whole (one may still be set aside for a model). */
    public int available() {
        long now = clock.getAsLong();
        return (int) keys.stream().filter(k -> !k.coolingAt(now)).count();
    }

    /**
     * Keys cooling down as a whole now for {@code reason}: {@link Reason#RATE_LIMITED} or
     * {@link Reason#UNAUTHORIZED}; a 403 sets a key aside for one model only ({@link #forbiddenModels()}).
     */
    public int cooling(Reason reason) {
        long now = clock.getAsLong();
        return (int) keys.stream().filter(k -> k.coolingAt(now) && k.reason == reason).count();
    }

    /** The models the keys are set aside for now after a 403, counted once per key. */
    public int forbiddenModels() {
        long now = clock.getAsLong();
        return keys.stream().mapToInt(k -> k.forbiddenAt(now)).sum();
    }

    /** The 403 cooldowns the keys hold, ended ones included (tests: the memory they take stays bounded). */
    int forbiddenEntries() {
        return keys.stream().mapToInt(k -> k.forbidden.size()).sum();
    }

    /** Requests moved to another key since start. */
    public long failovers() {
        return failovers.get();
    }

    public void listener(Listener listener) {
        this.listener = listener;
    }

    /**
     * A new request's way through the keys: it starts with the first key that is not cooling down
     * for a call without a model; {@link Walk#forModel} starts it again once the model is known.
     */
    public Walk walk() {
        return keys.isEmpty() ? Walk.NONE : new Walk(this, start(NO_MODEL));
    }

    /** The first key not cooling down for {@code model}; when all are, the one that recovers first. */
    private int start(String model) {
        long now = clock.getAsLong();
        int start = 0;
        for (int i = 0; i < keys.size(); i++) {
            long until = keys.get(i).until(model);
            if (until - now <= 0) {
                return i;
            }
            if (until - keys.get(start).until(model) < 0) {
                start = i; // all cooling so far: the one that recovers first
            }
        }
        return start;
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
        /** The request's model; empty (a call without one) until {@link #forModel} names it. */
        private String model = NO_MODEL;

        private Walk(ProviderKeys pool, int start) {
            this.pool = pool;
            this.current = start;
            this.tried = start < 0 ? 0 : 1L << start;
        }

        /**
         * Names the request's model (as recorded) before its first attempt: a 403 then sets the key
         * aside for this model only, and the walk starts again with the first key not cooling down
         * for it. {@link #NONE} and a walk that has moved already stay as they are.
         */
        public Walk forModel(String model) {
            if (pool == null || model == null || model.isEmpty()) {
                return this;
            }
            this.model = model;
            if (tried == 1L << current) {
                current = pool.start(model);
                tried = 1L << current;
            }
            return this;
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
         * 401, 403), it cools down (for a 403, for this walk's model only) and the walk moves to the
         * next key not tried yet and not cooling for the model. Only then true: the request is to be
         * sent again at once, with {@link #key()}.
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
            boolean fresh = false;
            if (reason == Reason.FORBIDDEN) {
                fresh = key.forbid(model, until, now);
            } else if (until - key.coolingUntil > 0) {
                fresh = !key.coolingAt(now);
                key.reason = reason;
                key.coolingUntil = until;
            }
            if (fresh && pool.keys.size() > 1) { // one key is always sent: the call's own log says what happened
                log(key, status, cooldown);
            }
            for (int i = 0; i < pool.keys.size(); i++) {
                if ((tried & 1L << i) == 0 && !pool.keys.get(i).coolingAt(now, model)) {
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
            } else if (status == 403) {
                String forWhat = model.equals(NO_MODEL) ? "the calls without a model (passthrough)" : "model " + model;
                LOG.warnf(what + " for %s, not for other models (check that the key is allowed to use it)", pool.provider, status,
                        key.hint, pool.keys.indexOf(key) + 1, pool.keys.size(), cooldown / 1000, forWhat);
            } else {
                LOG.warnf(what + " (check that the key is valid and allowed to use this API)", args);
            }
        }
    }
}
