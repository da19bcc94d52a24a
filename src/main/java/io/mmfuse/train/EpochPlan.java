package io.mmfuse.train;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * The order of one epoch: captions shuffled, cut into batches in which no image appears twice
 * where that is cheap. A caption whose image is already in the batch being filled is deferred to
 * the next batch; at the very end, leftovers that cannot avoid a repeat are batched anyway (the
 * contrastive loss masks such pairs). Batches of one caption are dropped: they carry no negatives.
 */
final class EpochPlan {
    private EpochPlan() {
    }

    static List<int[]> batches(int[] captionImage, int batchSize, Random rng) {
        int n = captionImage.length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<int[]> batches = new ArrayList<>((n + batchSize - 1) / batchSize);
        Deque<Integer> deferred = new ArrayDeque<>();
        int next = 0;
        while (next < n || !deferred.isEmpty()) {
            int[] batch = new int[batchSize];
            int size = 0;
            Set<Integer> images = new HashSet<>();
            for (Iterator<Integer> it = deferred.iterator(); it.hasNext() && size < batchSize; ) {
                int c = it.next();
                if (images.add(captionImage[c])) {
                    batch[size++] = c;
                    it.remove();
                }
            }
            while (size < batchSize && next < n) {
                int c = order[next++];
                if (images.add(captionImage[c])) {
                    batch[size++] = c;
                } else {
                    deferred.addLast(c);
                }
            }
            if (next >= n && size < batchSize) {
                // Stream exhausted: fill with whatever is left, repeats included.
                while (size < batchSize && !deferred.isEmpty()) {
                    batch[size++] = deferred.pollFirst();
                }
            }
            if (size >= 2) {
                batches.add(size == batchSize ? batch : java.util.Arrays.copyOf(batch, size));
            }
        }
        return batches;
    }
}
