package io.mmfuse.train;

/**
 * Smoothed IDF over captions, idf(t) = ln((1 + N) / (1 + df(t))) + 1 (scikit-learn's form: never
 * zero, so even a token in every caption keeps some weight). Padding (id 0) gets 0.
 */
final class InverseDocumentFrequency {
    private InverseDocumentFrequency() {
    }

    static float[] of(TrainingData data, int vocabSize) {
        int[] df = new int[vocabSize];
        int[] lastSeen = new int[vocabSize];
        java.util.Arrays.fill(lastSeen, -1);
        int[][] captions = data.captionTokens();
        for (int c = 0; c < captions.length; c++) {
            for (int id : captions[c]) {
                if (id > 0 && lastSeen[id] != c) {
                    lastSeen[id] = c;
                    df[id]++;
                }
            }
        }
        float[] idf = new float[vocabSize];
        double n = captions.length;
        for (int t = 1; t < vocabSize; t++) {
            idf[t] = (float) (Math.log((1 + n) / (1 + df[t])) + 1);
        }
        return idf;
    }
}
