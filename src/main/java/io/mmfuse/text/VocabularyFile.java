package io.mmfuse.text;

import java.util.List;

/** The JSON form of a {@link Vocabulary}; field names are the file format, change with care. */
record VocabularyFile(
        String format,
        int version,
        int documentCount,
        List<String> tokens,
        int[] documentFrequency,
        float[] idf) {
    static final String FORMAT = "mmfuse-vocabulary";
    static final int VERSION = 1;
}
