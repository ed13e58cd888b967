package io.aibridge.bench.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The proxy's CPU by thread group, as the proxy benchmark reads it from {@code /proc}. */
class ProcessStatsTest {

    /** The names in {@code /proc/<pid>/task/<tid>/comm}: the Java name cut to 15 characters. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "vert.x-eventloo, event loops",
            "aibridge-event-, event publisher",
            "kafka-producer-, Kafka producer",
            "C2 CompilerThre, JIT compiler",
            "C1 CompilerThre, JIT compiler",
            "GC Thread#1, GC and VM",
            "G1 Conc#0, GC and VM",
            "VM Thread, GC and VM",
            "vert.x-worker-t, other",
            "aibridge-identi, other",
            "java, other"})
    void threadsAreGroupedByTheNamesLinuxKeepsForAQuarkusServicesThreads(String linuxName, String group) {
        assertThat(ProcessStats.threadGroup(linuxName)).isEqualTo(group);
    }

    @Test
    void aBusyThreadsCpuLandsInItsGroup() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long pid = ProcessHandle.current().pid();
        CountDownLatch busyEnough = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ProcessStats.ThreadCpuMeter meter = new ProcessStats.ThreadCpuMeter(pid);
        long start = System.nanoTime();
        Thread loop = new Thread(() -> {
            // CPU time, not wall time: on a busy host the spin takes longer, never less
            while (threads.getCurrentThreadCpuTime() < TimeUnit.MILLISECONDS.toNanos(300)) {
                Thread.onSpinWait();
            }
            busyEnough.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "vert.x-eventloop-thread-7");
        loop.start();
        try {
            assertThat(busyEnough.await(60, TimeUnit.SECONDS)).isTrue();
            Map<String, Double> cores = meter.cores();
            double wall = (System.nanoTime() - start) / 1e9;
            assertThat(cores.keySet()).containsExactlyElementsOf(ProcessStats.THREAD_GROUPS);
            // 300 ms of the loop's CPU, counted in 10 ms ticks, over the time the meter ran
            assertThat(cores.get("event loops") * wall).isGreaterThan(0.25);
            assertThat(cores.get("Kafka producer")).isZero();
        } finally {
            release.countDown();
            loop.join();
        }
    }
}
