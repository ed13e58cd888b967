package io.aibridge.bench.stack;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code GC.heap_info} answers of JDK 17's collectors, as the memory benchmark reads them. */
class JvmMemoryTest {

    @Test
    void g1HeapIsItsOneUsedLineAndMetaspaceIsNotHeap() {
        String g1 = """
                12345:
                 garbage-first heap   total 212992K, used 31744K [0x00000000e0000000, 0x0000000100000000)
                  region size 1024K, 3 young (3072K), 1 survivors (1024K)
                 Metaspace       used 47462K, committed 48000K, reserved 1097728K
                  class space    used 6026K, committed 6272K, reserved 1048576K
                """;
        assertThat(JvmMemory.heapUsedMb(g1)).isCloseTo(31.0, within(1e-9));
        assertThat(JvmMemory.metaspaceUsedMb(g1)).isCloseTo(47462 / 1024.0, within(1e-9));
    }

    @Test
    void serialHeapAddsBothGenerationsAndSkipsThePercentagesOfTheirSpaces() {
        String serial = """
                 def new generation   total 4928K, used 1234K [0x00000000e0000000, 0x00000000e0550000, 0x00000000eaaa0000)
                  eden space 4416K,  27% used [0x00000000e0000000, 0x00000000e0134a00, 0x00000000e0450000)
                  from space 512K,   0% used [0x00000000e0450000, 0x00000000e0450000, 0x00000000e04d0000)
                  to   space 512K,   0% used [0x00000000e04d0000, 0x00000000e04d0000, 0x00000000e0550000)
                 tenured generation   total 10944K, used 2048K [0x00000000eaaa0000, 0x00000000eb550000, 0x0000000100000000)
                   the space 10944K,  18% used [0x00000000eaaa0000, 0x00000000eaca0000, 0x00000000eaca0200, 0x00000000eb550000)
                 Metaspace       used 3000K, committed 3100K, reserved 1056768K
                  class space    used 300K, committed 384K, reserved 1048576K
                """;
        assertThat(JvmMemory.heapUsedMb(serial)).isCloseTo((1234 + 2048) / 1024.0, within(1e-9));
        assertThat(JvmMemory.metaspaceUsedMb(serial)).isCloseTo(3000 / 1024.0, within(1e-9));
    }

    @Test
    void zgcReportsMegabytesAndShenandoahPutsTheAmountFirst() {
        assertThat(JvmMemory.heapUsedMb(" ZHeap           used 50M, capacity 512M, max capacity 512M\n"
                + " Metaspace       used 1234K, committed 1300K, reserved 1056768K\n")).isCloseTo(50.0, within(1e-9));
        assertThat(JvmMemory.heapUsedMb("Shenandoah Heap\n 524288K max, 524288K soft max, 172032K committed, 21530K used\n"
                + " 2048 x 256K regions\n")).isCloseTo(21530 / 1024.0, within(1e-9));
    }
}
