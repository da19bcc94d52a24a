package io.mmfuse.collection;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of a stream of adds: a separate JVM writes and reports every acknowledged
 * write; we SIGKILL it at an arbitrary moment, reopen the collection and check that every
 * acknowledged item is there and intact, every acknowledged delete stuck, and that nothing else is
 * present except the items of the one call that was in flight (whole, never partial).
 */
class CollectionCrashTest {
    @TempDir
    Path tmp;

    @Test
    void everyAcknowledgedWriteSurvivesKillNine() throws Exception {
        Path dir = tmp.resolve("crash");
        Set<Integer> acked = new HashSet<>();
        Set<Integer> deleted = new HashSet<>();
        Set<Integer> inFlight = new HashSet<>();
        Set<Integer> deleteInFlight = new HashSet<>();
        int next = 0;
        // Three rounds, each killing the writer after a different number of acknowledgements, each
        // resuming from the recovered state of the last.
        for (int round = 0; round < 3; round++) {
            int killAfter = 150 + round * 170;
            int highest = runAndKill(dir, next, killAfter, acked, deleted);
            // The call that may have been running at the kill: the add after the last acked item.
            int batch = 1 + (highest + 1) % 3;
            List<Integer> pending = java.util.stream.IntStream.rangeClosed(highest + 1, highest + batch).boxed().toList();
            inFlight.addAll(pending);
            for (int n : acked) {
                if (n % 10 == 0 && !deleted.contains(n) && deleteInFlight.add(n)) {
                    // Its delete was not acknowledged, so it was the call in flight at this kill.
                    assertThat(n).as("item-%d has an unacknowledged delete", n).isGreaterThan(highest - 3);
                }
            }
            try (PersistentCollection c = PersistentCollection.open(dir, CollectionOptions.defaults())) {
                Set<Integer> present = new HashSet<>();
                c.forEach(item -> {
                    int n = Integer.parseInt(item.id().substring("item-".length()));
                    present.add(n);
                    // Whatever is present is intact: exactly what the writer wrote for that id.
                    assertThat(item).usingRecursiveComparison().isEqualTo(TestItems.item(n));
                });
                for (int n : acked) {
                    if (deleted.contains(n)) {
                        assertThat(present).as("acknowledged delete of item-%d, round %d", n, round).doesNotContain(n);
                    } else if (!deleteInFlight.contains(n)) {
                        assertThat(present).as("acknowledged item-%d, round %d", n, round).contains(n);
                    }
                }
                for (int n : present) {
                    assertThat(acked.contains(n) || inFlight.contains(n)).as("item-%d was never written", n).isTrue();
                }
                long landed = pending.stream().filter(present::contains).count();
                assertThat(landed).as("items of the in-flight call %s", pending).isIn(0L, (long) pending.size());
                assertThat(c.count()).isEqualTo(present.size());
            }
            next = highest + 1 + batch;
        }
        assertThat(acked.size()).isGreaterThanOrEqualTo(150 + 320 + 490);
    }

    /** Runs the writer until it has acknowledged {@code killAfter} items, SIGKILLs it; returns the highest acked n. */
    private static int runAndKill(Path dir, int from, int killAfter, Set<Integer> acked, Set<Integer> deleted) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), CrashWriter.class.getName(), dir.toString(), Integer.toString(from));
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        int highest = from - 1;
        int count = 0;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    int n = Integer.parseInt(line.substring(4));
                    acked.add(n);
                    highest = Math.max(highest, n);
                    if (++count >= killAfter) {
                        break;
                    }
                } else if (line.startsWith("DEL ")) {
                    deleted.add(Integer.parseInt(line.substring(4)));
                }
            }
            // SIGKILL through the handle: Process.destroyForcibly() would also close our end of the
            // pipe, losing acknowledgements still buffered in it.
            p.toHandle().destroyForcibly();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            // Lines printed after our last read were acknowledged before the kill as well.
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    int n = Integer.parseInt(line.substring(4));
                    acked.add(n);
                    highest = Math.max(highest, n);
                } else if (line.startsWith("DEL ")) {
                    deleted.add(Integer.parseInt(line.substring(4)));
                }
            }
        } finally {
            p.destroyForcibly();
        }
        assertThat(count).as("writer acknowledged items before being killed").isGreaterThanOrEqualTo(killAfter);
        return highest;
    }

}
