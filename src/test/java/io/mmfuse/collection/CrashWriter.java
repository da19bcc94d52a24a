package io.mmfuse.collection;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The process that {@link CollectionCrashTest} kills: adds items item-FROM, item-FROM+1, ... in
 * calls of 1 to 3 items (and deletes every 10th item again), printing "ACK <n>" for every item
 * whose add returned and "DEL <n>" for every delete that returned, until it is killed.
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int from = Integer.parseInt(args[1]);
        // A small log limit so compactions happen mid-stream and get killed too.
        CollectionOptions options = CollectionOptions.defaults().withCompactAfterLogBytes(16_000);
        PersistentCollection c = java.nio.file.Files.exists(dir.resolve(Manifest.FILE))
                ? PersistentCollection.open(dir, options)
                : PersistentCollection.create(dir, "crash", TestItems.MODEL, TestItems.DIM, options);
        System.out.println("READY");
        System.out.flush();
        int n = from;
        while (true) {
            int batch = 1 + n % 3;
            List<CollectionItem> items = new ArrayList<>();
            for (int i = 0; i < batch; i++) {
                items.add(TestItems.item(n + i));
            }
            c.add(TestItems.MODEL, items);
            StringBuilder acks = new StringBuilder();
            for (int i = 0; i < batch; i++) {
                acks.append("ACK ").append(n + i).append('\n');
            }
            System.out.print(acks);
            System.out.flush();
            for (int i = 0; i < batch; i++) {
                if ((n + i) % 10 == 0) {
                    c.delete(List.of("item-" + (n + i)));
                    System.out.println("DEL " + (n + i));
                    System.out.flush();
                }
            }
            n += batch;
        }
    }
}
