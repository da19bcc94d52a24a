package io.mmfuse.collection;

import static io.mmfuse.collection.TestItems.DIM;
import static io.mmfuse.collection.TestItems.MODEL;
import static io.mmfuse.collection.TestItems.item;
import static io.mmfuse.collection.TestItems.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistentCollectionTest {
    @TempDir
    Path tmp;

    private PersistentCollection create(CollectionOptions options) {
        return PersistentCollection.create(tmp.resolve("c"), "c", MODEL, DIM, options);
    }

    private PersistentCollection reopen(CollectionOptions options) {
        return PersistentCollection.open(tmp.resolve("c"), options);
    }

    private static List<CollectionItem> items(int from, int to) {
        return IntStream.range(from, to).mapToObj(TestItems::item).toList();
    }

    @Test
    void addGetCountDeleteSurviveReopen() {
        try (PersistentCollection c = create(CollectionOptions.defaults())) {
            assertThat(c.add(MODEL, items(0, 10))).isEqualTo(10);
            assertThat(c.delete(List.of("item-3", "item-4", "nope", "item-3"))).isEqualTo(2);
            assertThat(c.count()).isEqualTo(8);
        }
        try (PersistentCollection c = reopen(CollectionOptions.defaults())) {
            assertThat(c.count()).isEqualTo(8);
            assertThat(c.get("item-3")).isEmpty();
            CollectionItem got = c.get("item-7").orElseThrow();
            assertThat(got.vector()).containsExactly(vector(7));
            assertThat(got.label()).isEqualTo("label 7");
            assertThat(got.metadataJson()).isEqualTo("{\"n\":7,\"tag\":\"t1\"}");
            assertThat(c.list(0, 100)).extracting(CollectionItem::id)
                    .containsExactly("item-0", "item-1", "item-2", "item-5", "item-6", "item-7", "item-8", "item-9");
            assertThat(c.info()).isEqualTo(new CollectionInfo("c", DIM, MODEL, 8));
        }
    }

    @Test
    void addingAnExistingIdReplacesTheItem() {
        try (PersistentCollection c = create(CollectionOptions.defaults())) {
            c.add(MODEL, items(0, 3));
            c.add(MODEL, List.of(new CollectionItem("item-1", vector(99), null, null)));
            assertThat(c.count()).isEqualTo(3);
        }
        try (PersistentCollection c = reopen(CollectionOptions.defaults())) {
            CollectionItem got = c.get("item-1").orElseThrow();
            assertThat(got.vector()).containsExactly(vector(99));
            assertThat(got.label()).isNull();
            assertThat(got.metadataJson()).isEqualTo("{}");
        }
    }

    @Test
    void refusesVectorsAndQueriesOfAnotherModel() {
        try (PersistentCollection c = create(CollectionOptions.defaults())) {
            assertThatThrownBy(() -> c.add("other-model", items(0, 1)))
                    .isInstanceOf(ModelMismatchException.class)
                    .hasMessageContaining(MODEL).hasMessageContaining("other-model");
            assertThatThrownBy(() -> c.search("other-model", io.mmfuse.search.FloatMatrix.of(new float[][] {vector(1)}), 1))
                    .isInstanceOf(ModelMismatchException.class);
            assertThat(c.count()).isZero();
        }
    }

    @Test
    void rejectsBadItemsNamingTheFieldAndWritesNothing() {
        try (PersistentCollection c = create(CollectionOptions.defaults())) {
            List<CollectionItem> bad = new ArrayList<>(items(0, 2));
            bad.add(new CollectionItem("x", new float[DIM - 1]));
            assertThatThrownBy(() -> c.add(MODEL, bad)).isInstanceOf(InvalidInputException.class)
                    .extracting(e -> ((InvalidInputException) e).input()).isEqualTo("items[2].vector");
            float[] nan = vector(1);
            nan[3] = Float.NaN;
            assertThatThrownBy(() -> c.add(MODEL, List.of(new CollectionItem("x", nan))))
                    .extracting(e -> ((InvalidInputException) e).input()).isEqualTo("items[0].vector[3]");
            assertThatThrownBy(() -> c.add(MODEL, List.of(new CollectionItem(" ", vector(1)))))
                    .extracting(e -> ((InvalidInputException) e).input()).isEqualTo("items[0].id");
            assertThatThrownBy(() -> c.add(MODEL, List.of(item(1), item(1))))
                    .extracting(e -> ((InvalidInputException) e).input()).isEqualTo("items[1].id");
            assertThatThrownBy(() -> c.add(MODEL, List.of(new CollectionItem("x", vector(1), null, "[1,2]"))))
                    .extracting(e -> ((InvalidInputException) e).input()).isEqualTo("items[0].metadata");
            assertThatThrownBy(() -> c.add(MODEL, List.of(new CollectionItem("x", vector(1), null, "{oops"))))
                    .hasMessageStartingWith("items[0].metadata: is not valid JSON");
            assertThat(c.count()).isZero();
            assertThat(c.logBytes()).isEqualTo(RecordLog.MAGIC.length);
        }
    }

    @Test
    void compactionKeepsStateAndRemovesOldGenerations() throws IOException {
        CollectionOptions small = CollectionOptions.defaults().withCompactAfterLogBytes(2_000);
        try (PersistentCollection c = create(small)) {
            for (int i = 0; i < 60; i += 5) {
                c.add(MODEL, items(i, i + 5));
                c.delete(List.of("item-" + i));
            }
            assertThat(c.generation()).isGreaterThan(1);
            assertThat(c.count()).isEqualTo(48);
        }
        try (Stream<Path> files = Files.list(tmp.resolve("c"))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("wal-") || n.startsWith("snapshot-")))
                    .hasSize(2);
        }
        try (PersistentCollection c = reopen(small)) {
            assertThat(c.count()).isEqualTo(48);
            for (int i = 0; i < 60; i++) {
                if (i % 5 == 0) {
                    assertThat(c.get("item-" + i)).isEmpty();
                } else {
                    assertThat(c.get("item-" + i).orElseThrow()).usingRecursiveComparison().isEqualTo(item(i));
                }
            }
        }
    }

    @Test
    void recoveryIgnoresTheLeftoversOfAnInterruptedCompaction() throws IOException {
        try (PersistentCollection c = create(CollectionOptions.defaults())) {
            c.add(MODEL, items(0, 5));
            c.compact();
            c.add(MODEL, items(5, 8));
        }
        Path dir = tmp.resolve("c");
        // As if the process died after creating generation 2's log and writing its snapshot temp file.
        RecordLog.create(dir.resolve("wal-0000000000000002.log")).close();
        Files.write(dir.resolve("snapshot-0000000000000002.snap.tmp"), new byte[] {1, 2, 3});
        try (PersistentCollection c = reopen(CollectionOptions.defaults())) {
            assertThat(c.count()).isEqualTo(8);
            assertThat(c.generation()).isEqualTo(1);
        }
        assertThat(dir.resolve("wal-0000000000000002.log")).doesNotExist();
        assertThat(dir.resolve("snapshot-0000000000000002.snap.tmp")).doesNotExist();
    }

    @Test
    void everyTruncationOfTheLogRecoversAPrefixOfTheWrites() throws IOException {
        try (PersistentCollection c = create(CollectionOptions.defaults())) {
            for (int i = 0; i < 4; i++) {
                c.add(MODEL, List.of(item(i)));
            }
            c.delete(List.of("item-1"));
        }
        Path wal = tmp.resolve("c").resolve("wal-0000000000000000.log");
        byte[] full = Files.readAllBytes(wal);
        // Record boundaries: lengths of the five records, so we know how many survive each cut.
        List<Long> ends = recordEnds(full);
        assertThat(ends).hasSize(5);
        for (int cut = 0; cut <= full.length; cut++) {
            Files.write(wal, java.util.Arrays.copyOf(full, cut));
            int intact = 0;
            while (intact < ends.size() && ends.get(intact) <= cut) {
                intact++;
            }
            try (PersistentCollection c = reopen(CollectionOptions.defaults())) {
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < Math.min(intact, 4); i++) {
                    expected.add("item-" + i);
                }
                if (intact == 5) {
                    expected.remove("item-1");
                }
                assertThat(c.list(0, 10)).as("cut at %d", cut).extracting(CollectionItem::id).containsExactlyElementsOf(expected);
                for (String id : expected) {
                    int n = Integer.parseInt(id.substring(5));
                    assertThat(c.get(id).orElseThrow()).usingRecursiveComparison().isEqualTo(item(n));
                }
                // The torn tail is gone and new writes land after the intact prefix.
                c.add(MODEL, List.of(item(50)));
            }
            try (PersistentCollection c = reopen(CollectionOptions.defaults())) {
                assertThat(c.get("item-50")).isPresent();
            }
        }
    }

    @Test
    void aBadChecksumBeforeTheTailIsCorruptionNotACrash() throws IOException {
        try (PersistentCollection c = create(CollectionOptions.defaults())) {
            c.add(MODEL, List.of(item(0)));
            c.add(MODEL, List.of(item(1)));
        }
        Path wal = tmp.resolve("c").resolve("wal-0000000000000000.log");
        byte[] bytes = Files.readAllBytes(wal);
        bytes[RecordLog.MAGIC.length + RecordLog.HEADER + 3] ^= 0x40;
        Files.write(wal, bytes);
        assertThatThrownBy(() -> reopen(CollectionOptions.defaults())).isInstanceOf(CollectionCorruptedException.class)
                .hasMessageContaining("checksum mismatch");
    }

    @Test
    void concurrentWritersShareOneFsyncInLogOrder() throws Exception {
        try (PersistentCollection c = create(CollectionOptions.defaults())) {
            c.add(MODEL, List.of(item(100)));
            List<Thread> writers = new ArrayList<>();
            List<Integer> results = java.util.Collections.synchronizedList(new ArrayList<>());
            c.writeLock.lock();
            long before;
            try {
                // Queue six adds, then a delete of one of them and of an older item, while the lock is held.
                for (int i = 0; i < 6; i++) {
                    int n = i;
                    writers.add(start(() -> results.add(c.add(MODEL, List.of(item(n))))));
                    awaitPending(c, i + 1);
                }
                writers.add(start(() -> results.add(-c.delete(List.of("item-2", "item-100", "nope")))));
                awaitPending(c, 7);
                before = c.logAppends();
            } finally {
                c.writeLock.unlock();
            }
            for (Thread t : writers) {
                t.join(5000);
            }
            assertThat(c.logAppends() - before).isEqualTo(1);
            assertThat(results).containsExactlyInAnyOrder(1, 1, 1, 1, 1, 1, -2);
            assertThat(c.list(0, 10)).extracting(CollectionItem::id)
                    .containsExactly("item-0", "item-1", "item-3", "item-4", "item-5");
        }
        try (PersistentCollection c = reopen(CollectionOptions.defaults())) {
            assertThat(c.list(0, 10)).extracting(CollectionItem::id)
                    .containsExactly("item-0", "item-1", "item-3", "item-4", "item-5");
        }
    }

    private static Thread start(Runnable r) {
        Thread t = new Thread(r);
        t.start();
        return t;
    }

    private static void awaitPending(PersistentCollection c, int n) throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while (c.pendingCommits() < n) {
            assertThat(System.nanoTime()).as("%d commits queued", n).isLessThan(until);
            Thread.sleep(1);
        }
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() {
        try (PersistentCollection c = create(CollectionOptions.defaults())) {
            assertThatThrownBy(() -> reopen(CollectionOptions.defaults())).isInstanceOf(MmfuseException.class)
                    .hasMessageContaining("open elsewhere");
        }
    }

    @Test
    void searchSkipsDeletedItemsAndCapsKAtTheLiveCount() {
        CollectionOptions cpu = CollectionOptions.defaults().withSearchBackend(io.mmfuse.search.SearchBackends.Preference.CPU);
        try (PersistentCollection c = create(cpu)) {
            c.add(MODEL, items(0, 20));
            io.mmfuse.search.FloatMatrix q = io.mmfuse.search.FloatMatrix.of(new float[][] {vector(7), vector(12)});
            List<List<ScoredItem>> before = c.search(MODEL, q, 3);
            assertThat(before.get(0).get(0).item().id()).isEqualTo("item-7");
            assertThat(before.get(0).get(0).distance()).isZero();
            assertThat(before.get(1).get(0).item().id()).isEqualTo("item-12");

            c.delete(List.of("item-7"));
            List<List<ScoredItem>> after = c.search(MODEL, q, 3);
            assertThat(after.get(0)).hasSize(3).extracting(s -> s.item().id()).doesNotContain("item-7");
            assertThat(after.get(0)).extracting(ScoredItem::rank).containsExactly(1, 2, 3);
            // The same three as an exhaustive scan over the live items.
            assertThat(after.get(0)).extracting(s -> s.item().id()).containsExactlyElementsOf(bruteForce(c, vector(7), 3));

            // A new item reuses the freed row and is found.
            c.add(MODEL, List.of(new CollectionItem("new", vector(7))));
            assertThat(c.search(MODEL, q, 1).get(0).get(0).item().id()).isEqualTo("new");

            c.delete(items(0, 20).stream().map(CollectionItem::id).toList());
            assertThat(c.search(MODEL, q, 5).get(0)).extracting(s -> s.item().id()).containsExactly("new");
            assertThatThrownBy(() -> c.search(MODEL, q, 0)).isInstanceOf(InvalidInputException.class);
        }
    }

    private static List<String> bruteForce(PersistentCollection c, float[] q, int k) {
        List<CollectionItem> all = c.list(0, Integer.MAX_VALUE);
        return all.stream().sorted(java.util.Comparator.comparingDouble(it -> dist(it.vector(), q)))
                .limit(k).map(CollectionItem::id).toList();
    }

    private static double dist(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) (a[i] - b[i]) * (a[i] - b[i]);
        }
        return s;
    }

    private static List<Long> recordEnds(byte[] log) {
        List<Long> ends = new ArrayList<>();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(log);
        long pos = RecordLog.MAGIC.length;
        while (pos < log.length) {
            int len = b.getInt((int) pos);
            pos += RecordLog.HEADER + len;
            ends.add(pos);
        }
        return ends;
    }
}
