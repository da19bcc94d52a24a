package io.mmfuse.search;

class CpuKnnTest extends VectorIndexContract {
    @Override
    protected VectorIndex newIndex(int dimension) {
        return new CpuKnn(dimension);
    }
}
