package io.mmfuse.caption;

/**
 * Builds the padded input/target pair of a batch: input {@code <bos> w1 .. wn}, target
 * {@code w1 .. wn <eos>}, both padded with {@code <pad>} (which the loss ignores) to the longest
 * caption of the batch.
 */
final class TeacherForcing {
    private TeacherForcing() {
    }

    /**
     * @param inputs [rows x width] int64, row-major
     * @param targets same shape
     * @param width longest caption of the batch + 1
     * @param targetTokens non-padding targets (words + one {@code <eos>} per caption)
     */
    record Batch(long[] inputs, long[] targets, int rows, int width, long targetTokens) {
    }

    static Batch build(int[][] captions, int[] rows, int from, int to, int maxWords) {
        int n = to - from;
        int width = 1;
        for (int i = from; i < to; i++) {
            width = Math.max(width, Math.min(captions[rows[i]].length, maxWords) + 1);
        }
        long[] inputs = new long[n * width];
        long[] targets = new long[n * width];
        long count = 0;
        for (int r = 0; r < n; r++) {
            int[] words = captions[rows[from + r]];
            int len = Math.min(words.length, maxWords);
            int base = r * width;
            inputs[base] = CaptionVocabulary.BOS;
            for (int j = 0; j < len; j++) {
                inputs[base + j + 1] = words[j];
                targets[base + j] = words[j];
            }
            targets[base + len] = CaptionVocabulary.EOS;
            count += len + 1;
        }
        return new Batch(inputs, targets, n, width, count);
    }
}
