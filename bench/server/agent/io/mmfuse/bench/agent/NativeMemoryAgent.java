package io.mmfuse.bench.agent;

import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/**
 * A {@code -javaagent} for the soak: the server exposes no JavaCPP gauge, so this thread, inside
 * the server's JVM, appends {@code epochMillis physicalBytes totalBytes totalCount heapUsed
 * heapCommitted} to a file every period. Argument: {@code FILE[,PERIOD_SECONDS]} (default 10).
 */
public final class NativeMemoryAgent {
    private NativeMemoryAgent() {
    }

    public static void premain(String args) {
        String[] parts = (args == null ? "" : args).split(",");
        if (parts[0].isBlank()) {
            throw new IllegalArgumentException("NativeMemoryAgent needs FILE[,PERIOD_SECONDS]");
        }
        String file = parts[0];
        long periodMs = (long) (1000 * (parts.length > 1 ? Double.parseDouble(parts[1]) : 10));
        Thread t = new Thread(() -> sample(file, periodMs), "native-memory-agent");
        t.setDaemon(true);
        t.start();
    }

    private static void sample(String file, long periodMs) {
        try (PrintWriter out = new PrintWriter(new FileWriter(file, true), true)) {
            while (true) {
                // Sleep first: JavaCPP's Loader then runs in the application's own order, not the agent's.
                Thread.sleep(periodMs);
                MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
                out.printf("%d %d %d %d %d %d%n", System.currentTimeMillis(), org.bytedeco.javacpp.Pointer.physicalBytes(),
                        org.bytedeco.javacpp.Pointer.totalBytes(), org.bytedeco.javacpp.Pointer.totalCount(), heap.getUsed(),
                        heap.getCommitted());
            }
        } catch (InterruptedException | IOException e) {
            // The server is exiting or the file is unwritable: the soak reports the columns as not sampled.
        }
    }
}
