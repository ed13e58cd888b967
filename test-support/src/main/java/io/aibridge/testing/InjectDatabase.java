package io.aibridge.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link Database} field of a {@code @QuarkusTest} class into which
 * {@link PostgresTestResource} injects the database it started, e.g. to stop and restart it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface InjectDatabase {
}
