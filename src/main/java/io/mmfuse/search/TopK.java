package io.mmfuse.search;

/**
 * Results of a batched k-nearest-neighbour search: for query q, its neighbours are
 * {@code ids[q*k .. q*k+k)} in ascending squared-L2 distance, ties broken by lower id first.
 */
public record TopK(int queries, int k, int[] ids, float[] distances) {
    public TopK {
        if (ids.length != (long) queries * k || distances.length != ids.length) {
            throw new IllegalArgumentException("result arrays do not match " + queries + " x " + k);
        }
    }

    public int id(int query, int rank) {
        return ids[query * k + rank];
    }

    public float distance(int query, int rank) {
        return distances[query * k + rank];
    }

    public int[] idsOf(int query) {
        int[] out = new int[k];
        System.arraycopy(ids, query * k, out, 0, k);
        return out;
    }

    public float[] distancesOf(int query) {
        float[] out = new float[k];
        System.arraycopy(distances, query * k, out, 0, k);
        return out;
    }
}
