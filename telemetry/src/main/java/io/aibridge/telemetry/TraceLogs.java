package io.aibridge.telemetry;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * {@code AIBRIDGE_TRACE_LOGS=true}: installs the {@link TraceLogHandler} on the root logger at start
 * (only when tracing is on) and removes it at shutdown.
 */
@ApplicationScoped
public class TraceLogs {

    private static final Logger LOG = Logger.getLogger(TraceLogs.class);

    private final boolean install;
    private TraceLogHandler handler;

    public TraceLogs(TracingConfig config, @ConfigProperty(name = TracingConfigInterceptor.SDK_DISABLED) boolean sdkDisabled) {
        this.install = config.logs() && !sdkDisabled;
        if (config.logs() && sdkDisabled) {
            LOG.warn("AIBRIDGE_TRACE_LOGS is set but tracing is off (AIBRIDGE_TRACE_ENABLE): log records are not attached to spans");
        }
    }

    /** True while log records are being attached to spans. */
    public boolean installed() {
        return handler != null;
    }

    void start(@Observes StartupEvent event) {
        if (install) {
            handler = new TraceLogHandler();
            org.jboss.logmanager.Logger.getLogger("").addHandler(handler);
            LOG.info("AIBRIDGE_TRACE_LOGS: log records are attached to the current span as events");
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (handler != null) {
            org.jboss.logmanager.Logger.getLogger("").removeHandler(handler);
            handler = null;
        }
    }
}
