package io.mmfuse.collection;

import io.mmfuse.InvalidInputException;
import io.mmfuse.search.SearchBackends;

/**
 * How collections store and search.
 *
 * @param compactAfterLogBytes the write-ahead log is folded into a new snapshot once it grows past
 *     this many bytes, so recovery time stays bounded
 * @param searchBackend which kNN backend serves searches (AUTO: CUDA when usable)
 * @param maxIdBytes longest item id, in UTF-8 bytes
 * @param maxLabelChars longest label
 * @param maxMetadataBytes largest metadata JSON text, in UTF-8 bytes
 */
public record CollectionOptions(long compactAfterLogBytes, SearchBackends.Preference searchBackend, int maxIdBytes,
        int maxLabelChars, int maxMetadataBytes) {
    public CollectionOptions {
        if (compactAfterLogBytes < 1) {
            throw new InvalidInputException("compactAfterLogBytes", "must be positive, got " + compactAfterLogBytes);
        }
        if (searchBackend == null) {
            throw new InvalidInputException("searchBackend", "must be set");
        }
        if (maxIdBytes < 1 || maxLabelChars < 0 || maxMetadataBytes < 2) {
            throw new InvalidInputException("limits", "maxIdBytes >= 1, maxLabelChars >= 0, maxMetadataBytes >= 2 required");
        }
    }

    public static CollectionOptions defaults() {
        return new CollectionOptions(64L << 20, SearchBackends.Preference.AUTO, 256, 4096, 64 << 10);
    }

    public CollectionOptions withCompactAfterLogBytes(long bytes) {
        return new CollectionOptions(bytes, searchBackend, maxIdBytes, maxLabelChars, maxMetadataBytes);
    }

    public CollectionOptions withSearchBackend(SearchBackends.Preference preference) {
        return new CollectionOptions(compactAfterLogBytes, preference, maxIdBytes, maxLabelChars, maxMetadataBytes);
    }
}
