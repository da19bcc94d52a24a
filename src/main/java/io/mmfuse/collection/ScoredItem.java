package io.mmfuse.collection;

/** One search result: rank from 1, the item, and its squared-L2 distance to the query. */
public record ScoredItem(int rank, CollectionItem item, float distance) {
}
