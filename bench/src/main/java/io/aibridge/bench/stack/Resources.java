package io.aibridge.bench.stack;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * CPU (in cores: 1.0 is one core busy) and peak resident memory of the stack's processes during
 * one measurement, sampled twice a second on a thread of its own. On two shared cores, where the
 * CPU went is half of every story.
 */
public final class Resources implements AutoCloseable {

    /** The components measured, in table order: the proxy first, then its neighbours. */
    public static final List<String> COMPONENTS = List.of("proxy-service", "recorder-service", "query-service", "kafka",
            "postgres", "fake-provider", "bench");

    /** One component's usage. */
    public record Usage(double cpuCores, double peakRssMb) {
    }

    private final Map<String, ProcessStats.CpuMeter> meters = new LinkedHashMap<>();
    private final Map<String, Supplier<List<Long>>> pids = new LinkedHashMap<>();
    private final Map<String, Double> peakRss = new ConcurrentHashMap<>();
    /** The proxy's CPU by thread group; null when it is not running. */
    private final ProcessStats.ThreadCpuMeter proxyThreads;
    private final Thread sampler;
    private volatile boolean running = true;

    public Resources(Stack stack) {
        for (String component : COMPONENTS) {
            Supplier<List<Long>> supplier = switch (component) {
                case "postgres" -> stack::postgresPids;
                case "bench" -> () -> List.of(ProcessHandle.current().pid());
                default -> () -> stack.pid(component).stream().boxed().toList();
            };
            pids.put(component, supplier);
            meters.put(component, new ProcessStats.CpuMeter(supplier));
        }
        OptionalLong proxy = stack.pid("proxy-service");
        proxyThreads = proxy.isPresent() ? new ProcessStats.ThreadCpuMeter(proxy.getAsLong()) : null;
        sampler = new Thread(this::sample, "bench-resources");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sample() {
        while (running) {
            pids.forEach((component, supplier) -> {
                double rss = 0;
                for (long pid : supplier.get()) {
                    rss += ProcessStats.rssMb(pid);
                }
                peakRss.merge(component, rss, Math::max);
            });
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Usage per component since this object was made. */
    public Map<String, Usage> usage() {
        Map<String, Usage> out = new LinkedHashMap<>();
        meters.forEach((component, meter) -> out.put(component, new Usage(meter.cores(), peakRss.getOrDefault(component, 0.0))));
        return out;
    }

    /** The proxy's CPU since this object was made, by {@link ProcessStats#THREAD_GROUPS thread group} (cores); empty when it was not running. */
    public Map<String, Double> proxyThreads() {
        return proxyThreads == null ? Map.of() : proxyThreads.cores();
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
