package io.mmfuse.data;

/** A loaded dataset together with what its loader skipped or noticed. */
public record LoadResult(Dataset dataset, DatasetReport report) {}
