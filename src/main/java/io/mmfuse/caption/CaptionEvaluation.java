package io.mmfuse.caption;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.api.Skipped;
import io.mmfuse.data.Sample;
import io.mmfuse.image.DecodedBatch;
import io.mmfuse.image.ImageSource;
import io.mmfuse.io.AtomicFiles;
import io.mmfuse.model.NativeThreads;
import io.mmfuse.search.FloatMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * Captioning quality on a dataset split: corpus BLEU-1..4 of three captioners against every
 * image's reference captions (five per image on Flickr8k):
 * <ul>
 *   <li>{@code retrieval}: the top-1 caption of the captioner's reference corpus;</li>
 *   <li>{@code greedy}: greedy decoding;</li>
 *   <li>{@code beam}: the best beam-search caption.</li>
 * </ul>
 * Images that cannot be decoded are skipped and listed.
 */
public final class CaptionEvaluation {
    /** Images whose captions are copied into the report as examples. */
    static final int EXAMPLES = 5;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CaptionEvaluation() {
    }

    /**
     * One captioner's scores.
     *
     * @param precisions modified n-gram precisions p1..p4
     * @param distinctCaptions how many different captions it produced (generic decoders repeat a few)
     * @param meanWords mean words per caption
     * @param imagesPerSecond captioning throughput from embeddings (image decoding and embedding excluded)
     */
    public record MethodScore(String method, double bleu1, double bleu2, double bleu3, double bleu4,
            double[] precisions, double brevityPenalty, long hypothesisLength, long referenceLength,
            int distinctCaptions, double meanWords, double imagesPerSecond) {
        static MethodScore of(String method, Bleu.Score s, List<String> captions, double seconds) {
            double[] p = new double[Bleu.MAX_ORDER];
            for (int n = 1; n <= Bleu.MAX_ORDER; n++) {
                p[n - 1] = s.precision(n);
            }
            return new MethodScore(method, s.bleu(1), s.bleu(2), s.bleu(3), s.bleu(4), p, s.brevityPenalty(),
                    s.hypothesisLength(), s.referenceLength(), new HashSet<>(captions).size(),
                    s.hypothesisLength() / (double) captions.size(), captions.size() / Math.max(seconds, 1e-9));
        }
    }

    /** The captions of one image, for reading the report. */
    public record Example(String image, List<String> references, String retrieval, String greedy, String beam) {
    }

    /**
     * @param images images evaluated
     * @param references reference captions over all images
     * @param beamWidth width of the beam search
     * @param embedSeconds decoding and embedding the images
     */
    public record Report(String split, int images, int references, int beamWidth, MethodScore retrieval,
            MethodScore greedy, MethodScore beam, double embedSeconds, List<Example> examples, List<Skipped> skipped) {
        public Report {
            examples = List.copyOf(examples);
            skipped = List.copyOf(skipped);
        }

        /** Writes the report as JSON, atomically. */
        public void writeJson(Path file) {
            try {
                AtomicFiles.write(file, JSON.writeValueAsBytes(this));
            } catch (IOException e) {
                throw new MmfuseException("cannot write " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Evaluates {@code captioner} on {@code samples}.
     *
     * @param beamWidth beam width for the beam method (&gt;= 1)
     * @param threads image-decoding threads and LibTorch intra-op threads
     * @param status one line per finished stage, may be null
     */
    public static Report evaluate(ImageToText captioner, String splitName, List<Sample> samples, int beamWidth,
            int threads, Consumer<String> status) {
        if (captioner == null) {
            throw new InvalidInputException("captioner", "is required");
        }
        if (samples == null || samples.isEmpty()) {
            throw new InvalidInputException("samples", "no image to evaluate");
        }
        if (beamWidth <= 0 || beamWidth > CaptionGenerator.MAX_BEAM_WIDTH) {
            throw new InvalidInputException("beamWidth", "must be in 1.." + CaptionGenerator.MAX_BEAM_WIDTH + ", got "
                    + beamWidth);
        }
        if (threads <= 0) {
            throw new InvalidInputException("threads", "must be > 0, got " + threads);
        }
        Consumer<String> log = status == null ? s -> { } : status;
        NativeThreads.intraOp(threads);
        MmfuseModel model = captioner.retrievalModel();

        long t0 = System.nanoTime();
        List<ImageSource> sources = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            sources.add(s.image());
        }
        DecodedBatch batch = model.imageDecoder().decodeAll(sources, threads);
        List<Skipped> skipped = new ArrayList<>();
        for (DecodedBatch.Failure f : batch.failures()) {
            skipped.add(new Skipped(samples.get(f.index()).imageId(), f.reason().name(), f.message()));
        }
        if (batch.count() == 0) {
            throw new InvalidInputException("samples", "none of the " + samples.size() + " images could be decoded");
        }
        List<List<String>> references = new ArrayList<>(batch.count());
        List<String> imageIds = new ArrayList<>(batch.count());
        int referenceCount = 0;
        for (DecodedBatch.Decoded d : batch.decoded()) {
            Sample s = samples.get(d.index());
            references.add(s.captions());
            imageIds.add(s.imageId());
            referenceCount += s.captions().size();
        }
        FloatMatrix embeddings = model.embedDecoded(batch.data(), batch.count());
        double embedSeconds = (System.nanoTime() - t0) / 1e9;
        log.accept(String.format(java.util.Locale.ROOT, "%s: %d images embedded in %.1f s (%d skipped)", splitName,
                batch.count(), embedSeconds, skipped.size()));

        long t1 = System.nanoTime();
        List<String> retrieved = new ArrayList<>(batch.count());
        for (List<RetrievedCaption> hits : captioner.retrieveAll(embeddings, 1)) {
            retrieved.add(hits.get(0).caption());
        }
        MethodScore retrieval = score("retrieval", retrieved, references, t1);
        log.accept("retrieval top-1: " + summary(retrieval));

        long t2 = System.nanoTime();
        List<String> greedyCaptions = new ArrayList<>(batch.count());
        for (GeneratedCaption g : captioner.greedy(embeddings)) {
            greedyCaptions.add(g.text());
        }
        MethodScore greedy = score("greedy", greedyCaptions, references, t2);
        log.accept("greedy: " + summary(greedy));

        long t3 = System.nanoTime();
        List<String> beamCaptions = new ArrayList<>(batch.count());
        for (int i = 0; i < batch.count(); i++) {
            beamCaptions.add(captioner.beam(embeddings.row(i), beamWidth).get(0).text());
        }
        MethodScore beam = score("beam" + beamWidth, beamCaptions, references, t3);
        log.accept("beam " + beamWidth + ": " + summary(beam));

        List<Example> examples = new ArrayList<>();
        for (int i = 0; i < Math.min(EXAMPLES, batch.count()); i++) {
            examples.add(new Example(imageIds.get(i), references.get(i), retrieved.get(i), greedyCaptions.get(i),
                    beamCaptions.get(i)));
        }
        return new Report(splitName, batch.count(), referenceCount, beamWidth, retrieval, greedy, beam, embedSeconds,
                examples, skipped);
    }

    private static MethodScore score(String method, List<String> captions, List<List<String>> references, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        return MethodScore.of(method, Bleu.corpus(captions, references), captions, seconds);
    }

    private static String summary(MethodScore m) {
        return String.format(java.util.Locale.ROOT, "BLEU-1 %.4f BLEU-4 %.4f (%d distinct captions, %.1f words, %.0f img/s)",
                m.bleu1(), m.bleu4(), m.distinctCaptions(), m.meanWords(), m.imagesPerSecond());
    }
}
