package io.mmfuse.search;

/** One search result: the item's external id, its label (caption or file name) and distance. */
public record Hit(int rank, String id, String label, float distance) {
}
