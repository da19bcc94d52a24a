package io.mmfuse.caption;

import static org.bytedeco.pytorch.global.torch.log_softmax;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.model.Tensors;
import io.mmfuse.search.FloatMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Greedy decoding and beam search over a trained {@link CaptionDecoder}. Both are deterministic:
 * the choice between candidates is made on the heap from the step's log-probabilities, with ties
 * going to the earlier beam, then the lower word id. {@code <pad>}, {@code <bos>} and
 * {@code <unk>} are never generated. A caption ends at {@code <eos>} or after
 * {@link CaptionDecoderConfig#maxLength()} words.
 *
 * <p>Thread-safe as long as the decoder stays in eval mode: every call works in its own
 * PointerScope under a NoGradGuard on the calling thread.
 */
public final class CaptionGenerator {
    /** Widest beam accepted: the step buffers grow with width x vocabulary size. */
    public static final int MAX_BEAM_WIDTH = 100;
    /** Images per greedy forward batch. */
    static final int GREEDY_BATCH = 256;

    private final CaptionDecoder decoder;
    private final CaptionVocabulary vocabulary;
    private final int vocabSize;
    private final int maxLength;

    public CaptionGenerator(CaptionDecoder decoder, CaptionVocabulary vocabulary) {
        if (decoder == null || vocabulary == null) {
            throw new InvalidInputException("captionGenerator", "decoder and vocabulary are required");
        }
        if (vocabulary.size() != decoder.config().vocabSize()) {
            throw new InvalidInputException("vocabulary", vocabulary.size() + " ids, the decoder was built for "
                    + decoder.config().vocabSize());
        }
        this.decoder = decoder;
        this.vocabulary = vocabulary;
        this.vocabSize = vocabulary.size();
        this.maxLength = decoder.config().maxLength();
    }

    public CaptionVocabulary vocabulary() {
        return vocabulary;
    }

    /** The most probable word at every step, for each row of {@code embeddings} (batched). */
    public List<GeneratedCaption> greedy(FloatMatrix embeddings) {
        requireEmbeddings(embeddings);
        List<GeneratedCaption> out = new ArrayList<>(embeddings.rows());
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int from = 0; from < embeddings.rows(); from += GREEDY_BATCH) {
                int to = Math.min(embeddings.rows(), from + GREEDY_BATCH);
                try (PointerScope scope = new PointerScope()) {
                    out.addAll(greedyBatch(embeddings, from, to));
                }
            }
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("greedy caption decoding", e);
        }
        return out;
    }

    private List<GeneratedCaption> greedyBatch(FloatMatrix embeddings, int from, int to) {
        int n = to - from;
        int dim = embeddings.cols();
        Tensor hidden = decoder.initialHidden(
                Tensors.floats(embeddings.data(), from * dim, n * dim, decoder.device(), n, dim));
        long[] last = new long[n];
        Arrays.fill(last, CaptionVocabulary.BOS);
        int[][] ids = new int[n][maxLength];
        int[] lengths = new int[n];
        double[] logProb = new double[n];
        boolean[] complete = new boolean[n];
        int open = n;
        float[] lp = new float[n * vocabSize];
        for (int t = 0; t < maxLength && open > 0; t++) {
            CaptionDecoder.Step step = decoder.step(Tensors.longs(last, decoder.device(), n), hidden);
            hidden = step.hidden();
            Tensors.copyToHeap(log_softmax(step.logits(), 1), lp, 0);
            for (int r = 0; r < n; r++) {
                if (complete[r]) {
                    continue;
                }
                int best = argmaxAllowed(lp, r * vocabSize);
                ids[r][lengths[r]++] = best;
                logProb[r] += lp[r * vocabSize + best];
                last[r] = best;
                if (best == CaptionVocabulary.EOS) {
                    complete[r] = true;
                    open--;
                }
            }
        }
        List<GeneratedCaption> out = new ArrayList<>(n);
        for (int r = 0; r < n; r++) {
            out.add(caption(Arrays.copyOf(ids[r], lengths[r]), logProb[r], complete[r]));
        }
        return out;
    }

    /** The allowed id with the highest log-probability in row {@code base}; ties go to the lower id. */
    private int argmaxAllowed(float[] lp, int base) {
        int best = CaptionVocabulary.EOS;
        float bestValue = lp[base + best];
        for (int v = CaptionVocabulary.FIRST_WORD; v < vocabSize; v++) {
            if (lp[base + v] > bestValue) {
                bestValue = lp[base + v];
                best = v;
            }
        }
        return best;
    }

    /**
     * Beam search for one image.
     *
     * @param embedding the image's embedding (imageDim floats)
     * @param width beams kept per step (1..{@link #MAX_BEAM_WIDTH}); a beam that emits
     *     {@code <eos>} is finished and the search goes on with one beam fewer, so exactly
     *     {@code width} captions come back (fewer only when the vocabulary has fewer words)
     * @return finished captions, best first: highest length-normalised log-probability, then
     *     highest log-probability, then lower ids
     */
    public List<GeneratedCaption> beam(float[] embedding, int width) {
        if (width <= 0 || width > MAX_BEAM_WIDTH) {
            throw new InvalidInputException("width", "beam width must be in 1.." + MAX_BEAM_WIDTH + ", got " + width);
        }
        if (embedding == null || embedding.length != decoder.config().imageDim()) {
            throw new InvalidInputException("embedding", "must have " + decoder.config().imageDim() + " floats, got "
                    + (embedding == null ? "null" : embedding.length));
        }
        new FloatMatrix(1, embedding.length, embedding).requireFinite("embedding");
        try (NoGradGuard noGrad = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            return beamSearch(embedding, width);
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("beam search", e);
        }
    }

    private List<GeneratedCaption> beamSearch(float[] embedding, int width) {
        Tensor hidden = decoder.initialHidden(Tensors.floats(embedding, decoder.device(), 1, embedding.length));
        List<int[]> active = new ArrayList<>(List.of(new int[0]));
        List<Double> activeLogProb = new ArrayList<>(List.of(0.0));
        List<GeneratedCaption> finished = new ArrayList<>();
        int remaining = width;
        float[] lp = new float[width * vocabSize];
        for (int t = 0; t < maxLength && remaining > 0 && !active.isEmpty(); t++) {
            int a = active.size();
            long[] last = new long[a];
            for (int i = 0; i < a; i++) {
                int[] seq = active.get(i);
                last[i] = seq.length == 0 ? CaptionVocabulary.BOS : seq[seq.length - 1];
            }
            CaptionDecoder.Step step = decoder.step(Tensors.longs(last, decoder.device(), a), hidden);
            Tensors.copyToHeap(log_softmax(step.logits(), 1), lp, 0);
            TopCandidates top = new TopCandidates(remaining);
            for (int i = 0; i < a; i++) {
                double base = activeLogProb.get(i);
                top.offer(base + lp[i * vocabSize + CaptionVocabulary.EOS], i, CaptionVocabulary.EOS);
                for (int v = CaptionVocabulary.FIRST_WORD; v < vocabSize; v++) {
                    top.offer(base + lp[i * vocabSize + v], i, v);
                }
            }
            List<int[]> nextActive = new ArrayList<>();
            List<Double> nextLogProb = new ArrayList<>();
            List<Long> parents = new ArrayList<>();
            for (int c = 0; c < top.size; c++) {
                int parent = top.beam[c];
                int word = top.word[c];
                int[] seq = Arrays.copyOf(active.get(parent), active.get(parent).length + 1);
                seq[seq.length - 1] = word;
                if (word == CaptionVocabulary.EOS || t == maxLength - 1) {
                    finished.add(caption(seq, top.total[c], word == CaptionVocabulary.EOS));
                    remaining--;
                } else {
                    nextActive.add(seq);
                    nextLogProb.add(top.total[c]);
                    parents.add((long) parent);
                }
            }
            if (!nextActive.isEmpty()) {
                long[] p = parents.stream().mapToLong(Long::longValue).toArray();
                hidden = step.hidden().index_select(1, Tensors.longs(p, decoder.device(), p.length));
            }
            active = nextActive;
            activeLogProb = nextLogProb;
        }
        finished.sort(RANKING);
        return finished;
    }

    static final Comparator<GeneratedCaption> RANKING = Comparator
            .comparingDouble(GeneratedCaption::score).reversed()
            .thenComparing(Comparator.comparingDouble(GeneratedCaption::logProb).reversed())
            .thenComparing((x, y) -> Arrays.compare(x.ids(), y.ids()));

    private GeneratedCaption caption(int[] ids, double logProb, boolean complete) {
        List<String> words = vocabulary.words(ids);
        return new GeneratedCaption(String.join(" ", words), words, ids, logProb,
                ids.length == 0 ? 0.0 : logProb / ids.length, complete);
    }

    private void requireEmbeddings(FloatMatrix embeddings) {
        if (embeddings == null || embeddings.rows() == 0) {
            throw new InvalidInputException("embeddings", "no image embedding given");
        }
        if (embeddings.cols() != decoder.config().imageDim()) {
            throw new InvalidInputException("embeddings", "have " + embeddings.cols() + " columns, the decoder expects "
                    + decoder.config().imageDim());
        }
        embeddings.requireFinite("embeddings");
    }

    /**
     * The best k (total, beam, word) candidates seen, best first. Candidates arrive in increasing
     * (beam, word) order, so keeping the earlier of two equal totals (strict comparison) is the
     * tie rule.
     */
    private static final class TopCandidates {
        final double[] total;
        final int[] beam;
        final int[] word;
        int size;

        TopCandidates(int k) {
            total = new double[k];
            beam = new int[k];
            word = new int[k];
        }

        void offer(double value, int b, int w) {
            int k = total.length;
            if (size == k && !(value > total[k - 1])) {
                return;
            }
            int pos = size == k ? k - 1 : size;
            while (pos > 0 && value > total[pos - 1]) {
                total[pos] = total[pos - 1];
                beam[pos] = beam[pos - 1];
                word[pos] = word[pos - 1];
                pos--;
            }
            total[pos] = value;
            beam[pos] = b;
            word[pos] = w;
            if (size < k) {
                size++;
            }
        }
    }
}
