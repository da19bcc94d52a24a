package io.mmfuse.search;

/**
 * Bounded max-heap of (distance, id) pairs that keeps the {@code capacity} smallest, ordered by
 * distance then id. Primitive arrays only: it sits in the innermost loop of the CPU search.
 */
final class CandidateHeap {
    private final float[] dist;
    private final int[] ids;
    private int size;

    CandidateHeap(int capacity) {
        dist = new float[capacity];
        ids = new int[capacity];
    }

    void clear() {
        size = 0;
    }

    int size() {
        return size;
    }

    boolean isFull() {
        return size == dist.length;
    }

    /** The worst kept distance; only meaningful when full. */
    float worst() {
        return dist[0];
    }

    /** Offers a candidate; ids must be offered in ascending order so that ties keep lower ids. */
    void offer(float d, int id) {
        if (size < dist.length) {
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!greater(d, id, dist[parent], ids[parent])) {
                    break;
                }
                dist[i] = dist[parent];
                ids[i] = ids[parent];
                i = parent;
            }
            dist[i] = d;
            ids[i] = id;
        } else if (d < dist[0]) {
            siftDownFromRoot(d, id);
        }
    }

    private void siftDownFromRoot(float d, int id) {
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < size && greater(dist[right], ids[right], dist[child], ids[child])) {
                child = right;
            }
            if (!greater(dist[child], ids[child], d, id)) {
                break;
            }
            dist[i] = dist[child];
            ids[i] = ids[child];
            i = child;
        }
        dist[i] = d;
        ids[i] = id;
    }

    private static boolean greater(float d1, int id1, float d2, int id2) {
        return d1 > d2 || (d1 == d2 && id1 > id2);
    }

    /** Copies the kept ids (unordered) into {@code out}; returns how many. */
    int drainIds(int[] out) {
        return drainIds(out, 0);
    }

    /** Copies the kept ids (unordered) into {@code out} from {@code offset}; returns how many. */
    int drainIds(int[] out, int offset) {
        System.arraycopy(ids, 0, out, offset, size);
        return size;
    }
}
