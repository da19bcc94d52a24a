package io.mmfuse.gan;

import io.mmfuse.Cancellation;
import io.mmfuse.CancelledException;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Devices;
import io.mmfuse.model.NativeThreads;
import io.mmfuse.model.Tensors;
import io.mmfuse.train.CheckpointException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.bytedeco.pytorch.Device;

/**
 * Generates 64x64 images from captions with a trained GAN checkpoint: the checkpoint's own copy of
 * the retrieval model embeds the prompt (or, for a GAN trained with learned caption encoding, only
 * tokenises it for the generator's own caption encoder), the moving-average generator draws the images.
 * Thread-safe (embedding runs concurrently, generator passes one at a time, a refinement one step at a
 * time so that other calls get through between its steps); close it to free
 * native memory.
 *
 * <pre>{@code
 * try (TextToImage t2i = TextToImage.load(Path.of("runs/gan/checkpoint"))) {
 *     byte[] png = t2i.generatePng("a red circle above a blue square", 8, 42L);
 *     float[] chw = t2i.generate("a dog runs on the grass", 4, 7L); // 4 x 3 x 64 x 64 in [-1, 1]
 * }
 * }</pre>
 *
 * <p>Prompts are rejected with {@link InvalidInputException} when null, empty or whitespace-only;
 * longer than {@value #MAX_PROMPT_CHARS} characters; longer than the text model's maxTokens
 * tokens (the model would silently drop the rest, so the images would not show what was asked);
 * or made only of words the text model does not know (the embedding would carry no meaning).
 * The same prompts, sample count and seed give the same images, bit for bit; sample j of every
 * prompt uses the same noise, so the batch variants equal the single-prompt calls row by row up to
 * float rounding (LibTorch's CPU kernels block differently for other batch sizes).
 *
 * <p>The overloads that take a {@link Sampling} truncate the noise and can re-rank several candidates
 * per image by the retrieval model; the others use {@link Sampling#DEFAULT}. Sample j of a prompt
 * draws its candidates from noise columns j * candidates to j * candidates + candidates - 1 of a
 * plain call for samples * candidates images. At most {@value #MAX_DRAWS} images (prompts x samples x
 * candidates) are drawn per call, which bounds its heap use to about 200 MB. The overloads that take a
 * {@link Cancellation} stop with {@link CancelledException} when it asks (refinement can run for minutes).
 */
public final class TextToImage implements AutoCloseable {
    public static final int MAX_PROMPT_CHARS = 1000;
    public static final int MAX_SAMPLES = 64;
    public static final int MAX_PROMPTS = 64;
    public static final int MAX_DRAWS = 4096;
    /** Retrieval models that may rank candidates together. */
    public static final int MAX_RANKERS = 8;

    private final GanCheckpoint.Info info;
    private final MmfuseModel textModel;
    /** Rank candidates: textModel itself alone, or retrieval models of the caller's that this instance owns. */
    private final List<MmfuseModel> rankers;
    private final Generator generator;
    private final Path checkpoint;
    private final DeviceChoice deviceChoice;
    /** Loaded by the first {@link #discriminatorScores} call (sampling never needs it); guarded by lock. */
    private Discriminator discriminator;
    private final Device device;
    /** Fair: a refinement takes it once per step, and a waiting call must get it before the next step does. */
    private final ReentrantLock lock = new ReentrantLock(true);
    private volatile boolean closed;

    private TextToImage(GanCheckpoint.Info info, MmfuseModel textModel, List<MmfuseModel> rankers, Generator generator,
            Path checkpoint, DeviceChoice deviceChoice, Device device) {
        this.info = info;
        this.textModel = textModel;
        this.rankers = rankers;
        this.generator = generator;
        this.checkpoint = checkpoint;
        this.deviceChoice = deviceChoice;
        this.device = device;
    }

    /** Loads onto CUDA when LibTorch has it, else the CPU. */
    public static TextToImage load(Path ganCheckpoint) {
        return load(ganCheckpoint, Devices.auto());
    }

    /**
     * Loads onto {@code device} and sets LibTorch's intra-op thread pool to {@code threads} (a
     * process-wide setting; the other overloads leave it as it is, like {@link MmfuseModel}).
     */
    public static TextToImage load(Path ganCheckpoint, DeviceChoice device, int threads) {
        NativeThreads.intraOp(threads);
        return load(ganCheckpoint, device);
    }

    /**
     * @throws CheckpointException when the checkpoint or its text model is missing, corrupt, of an
     *     unsupported format version, or the two do not fit together
     */
    public static TextToImage load(Path ganCheckpoint, DeviceChoice device) {
        return load(ganCheckpoint, device, List.of());
    }

    /**
     * As {@link #load(Path, DeviceChoice)}, but {@link Sampling#candidates()} are ranked by the retrieval
     * model at {@code rankerCheckpoint} instead of the GAN checkpoint's own: one that reads generated
     * images the way a person would, such as a model trained with {@code train --degrade}, picks better
     * ({@code bench/results/generation-2026-11-29n-vm.md}). The ranker embeds the prompts with its own
     * vocabulary, so a prompt must also have a word it knows; it must read images of the GAN's size.
     *
     * @param rankerCheckpoint a retrieval checkpoint ({@code train}'s {@code <out>/checkpoint}), or null
     *     for the GAN checkpoint's own
     */
    public static TextToImage load(Path ganCheckpoint, DeviceChoice device, Path rankerCheckpoint) {
        return load(ganCheckpoint, device, rankerCheckpoint == null ? List.of() : List.of(rankerCheckpoint));
    }

    /**
     * As {@link #load(Path, DeviceChoice, Path)} with several retrieval models that rank the candidates
     * together ({@link CandidateRanking#best(float[], List, int, int, int)}: each one's cosines standardised
     * over the candidates, then summed). On synthetic shapes four critics trained alike with different
     * seeds picked as well as the best of them and 1-2 points better than the one used before, in three
     * of four draws ({@code bench/results/generation-2026-11-29p-vm.md}). A prompt must have a word each
     * of them knows.
     *
     * @param rankerCheckpoints 0 to {@value #MAX_RANKERS} retrieval checkpoints; none ranks with the GAN
     *     checkpoint's own
     */
    public static TextToImage load(Path ganCheckpoint, DeviceChoice device, List<Path> rankerCheckpoints) {
        if (device == null) {
            throw new InvalidInputException("device", "is required");
        }
        if (rankerCheckpoints == null || rankerCheckpoints.size() > MAX_RANKERS
                || rankerCheckpoints.stream().anyMatch(Objects::isNull)) { // List.of().contains(null) throws
            throw new InvalidInputException("ranker", "give 0 to " + MAX_RANKERS + " retrieval checkpoints, got "
                    + rankerCheckpoints);
        }
        GanCheckpoint.Info info = GanCheckpoint.info(ganCheckpoint);
        MmfuseModel textModel = MmfuseModel.load(info.textModel(), device);
        List<MmfuseModel> rankers = new ArrayList<>();
        Generator generator = null;
        try {
            for (Path rankerCheckpoint : rankerCheckpoints) {
                MmfuseModel ranker = MmfuseModel.load(rankerCheckpoint, device);
                rankers.add(ranker);
                if (ranker.config().imageSize() != info.config().imageSize()) {
                    throw new InvalidInputException("ranker", rankerCheckpoint + " reads " + ranker.config().imageSize()
                            + " px images; the GAN draws " + info.config().imageSize() + " px");
                }
            }
            if (textModel.dimension() != info.config().textDim()) {
                throw new CheckpointException("GAN checkpoint " + ganCheckpoint + ": its text model embeds into "
                        + textModel.dimension() + " dimensions, the generator takes " + info.config().textDim());
            }
            if (info.config().learnedCaptions() && textModel.vocabulary().size() != info.config().captionVocabulary()) {
                throw new CheckpointException("GAN checkpoint " + ganCheckpoint + ": its text model has "
                        + textModel.vocabulary().size() + " words, the generator's caption encoder "
                        + info.config().captionVocabulary());
            }
            generator = GanCheckpoint.loadSampler(ganCheckpoint, device);
            List<MmfuseModel> ranking = rankers.isEmpty() ? List.of(textModel) : List.copyOf(rankers);
            ranking.forEach(r -> MatchingLoss.freeze(r.network())); // refinement backpropagates to the noise only
            return new TextToImage(info, textModel, ranking, generator, ganCheckpoint, device,
                    Tensors.keep(device.toTorch()));
        } catch (RuntimeException e) {
            textModel.close();
            rankers.forEach(MmfuseModel::close);
            if (generator != null) {
                generator.close();
            }
            throw e;
        }
    }

    /**
     * @param samples 1 to {@value #MAX_SAMPLES}
     * @return samples x 3 x 64 x 64 floats in [-1, 1] (mmfuse's normalised image space)
     */
    public float[] generate(String prompt, int samples, long seed) {
        return generate(prompt, samples, seed, Sampling.DEFAULT);
    }

    /** As {@link #generate(String, int, long)}, drawn as {@code sampling} says. */
    public float[] generate(String prompt, int samples, long seed, Sampling sampling) {
        return generate(List.of(checkPrompt(prompt, "text")), samples, seed, sampling, "text", Cancellation.NONE,
                GenerationProgress.NONE);
    }

    /** A one-row sample grid (see {@link SampleGrid}) with the prompt under it, as PNG bytes. */
    public byte[] generatePng(String prompt, int samples, long seed) {
        return generatePng(prompt, samples, seed, Sampling.DEFAULT);
    }

    /** As {@link #generatePng(String, int, long)}, drawn as {@code sampling} says. */
    public byte[] generatePng(String prompt, int samples, long seed, Sampling sampling) {
        return generatePng(prompt, samples, seed, sampling, Cancellation.NONE);
    }

    /**
     * As {@link #generatePng(String, int, long, Sampling)}, stopping with {@link CancelledException} once
     * {@code cancel} asks: it is asked between chunks of drawn images and before every refinement step,
     * so a call stops within a step of the request it serves being given up (a server passes the
     * request's deadline).
     */
    public byte[] generatePng(String prompt, int samples, long seed, Sampling sampling, Cancellation cancel) {
        float[] images = generate(List.of(checkPrompt(prompt, "text")), samples, seed, sampling, "text", cancel,
                GenerationProgress.NONE);
        return SampleGrid.png(images, 1, samples, List.of(prompt));
    }

    /**
     * @param prompts 1 to {@value #MAX_PROMPTS}
     * @return prompts x samples x 3 x 64 x 64 floats; row i equals {@code generate(prompts.get(i), samples, seed)}
     *     up to float rounding
     */
    public float[] generate(List<String> prompts, int samples, long seed) {
        return generate(prompts, samples, seed, Sampling.DEFAULT);
    }

    /** As {@link #generate(List, int, long)}, drawn as {@code sampling} says. */
    public float[] generate(List<String> prompts, int samples, long seed, Sampling sampling) {
        return generate(prompts, samples, seed, sampling, Cancellation.NONE, GenerationProgress.NONE);
    }

    /**
     * As {@link #generate(List, int, long, Sampling)}, stopping as {@link #generatePng(String, int, long, Sampling,
     * Cancellation)} does and telling {@code progress} how far the call has come (in chunks of drawn images,
     * ranking passes and refinement steps) as it goes.
     */
    public float[] generate(List<String> prompts, int samples, long seed, Sampling sampling, Cancellation cancel,
            GenerationProgress progress) {
        checkPrompts(prompts);
        return generate(prompts, samples, seed, sampling, null, cancel, progress);
    }

    /** A grid with one row per prompt, as PNG bytes. */
    public byte[] generatePng(List<String> prompts, int samples, long seed) {
        return generatePng(prompts, samples, seed, Sampling.DEFAULT);
    }

    /** As {@link #generatePng(List, int, long)}, drawn as {@code sampling} says. */
    public byte[] generatePng(List<String> prompts, int samples, long seed, Sampling sampling) {
        float[] images = generate(prompts, samples, seed, sampling);
        return SampleGrid.png(images, prompts.size(), samples, prompts);
    }

    /**
     * The checkpoint's discriminator logit for each image against its prompt: higher is more real and
     * better matched (an unconditional discriminator ignores the prompt). Images of other generators, or
     * real ones, can be scored too. The first call loads the discriminator (and throws
     * {@link CheckpointException} when its file is missing or corrupt). On synthetic shapes, keeping the
     * best of several draws by this score picks worse images than the retrieval model's ranking
     * ({@code bench/results/generation-2026-11-29p-vm.md}), so {@link Sampling} does not use it.
     *
     * @param prompts 1 to {@value #MAX_PROMPTS}
     * @param images prompts x perPrompt x 3 x 64 x 64 floats in [-1, 1], prompt i's images first
     * @return prompts x perPrompt logits, in image order
     */
    public float[] discriminatorScores(List<String> prompts, float[] images, int perPrompt) {
        checkPrompts(prompts);
        if (perPrompt < 1 || (long) prompts.size() * perPrompt > MAX_DRAWS) {
            throw new InvalidInputException("perPrompt", "must be in [1, " + MAX_DRAWS / prompts.size() + "] for "
                    + prompts.size() + " prompts, got " + perPrompt);
        }
        int imageFloats = info.config().imageFloats();
        long expected = (long) prompts.size() * perPrompt * imageFloats;
        if (images == null || images.length != expected) {
            throw new InvalidInputException("images", (images == null ? "null" : images.length + " floats")
                    + ", expected " + expected + " (" + prompts.size() + " x " + perPrompt + " images of "
                    + imageFloats + ")");
        }
        for (int i = 0; i < images.length; i++) {
            if (!Float.isFinite(images[i])) {
                throw new InvalidInputException("images", "image " + i / imageFloats + " holds " + images[i]);
            }
        }
        requireOpen();
        int[][] tokens = new int[prompts.size()][];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = checkTokens(prompts.get(i), "texts[" + i + "]");
        }
        float[] text = info.config().learnedCaptions() ? null : textModel.embedTokens(tokens).data();
        lock.lock();
        try {
            requireOpen();
            if (discriminator == null) {
                discriminator = GanCheckpoint.loadDiscriminator(checkpoint, deviceChoice);
            }
            return DiscriminatorScores.score(discriminator, info.config(), device, text, tokens, images,
                    prompts.size(), perPrompt);
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("scoring images with the discriminator", e);
        } finally {
            lock.unlock();
        }
    }

    public GanConfig config() {
        return info.config();
    }

    /** The training step the checkpoint was written at. */
    public long step() {
        return info.step();
    }

    /** Side of the generated images (64). */
    public int imageSize() {
        return info.config().imageSize();
    }

    private float[] generate(List<String> prompts, int samples, long seed, Sampling sampling, String singleName,
            Cancellation cancel, GenerationProgress progress) {
        if (cancel == null) {
            throw new InvalidInputException("cancel", "is required (Cancellation.NONE never cancels)");
        }
        if (progress == null) {
            throw new InvalidInputException("progress", "is required (GenerationProgress.NONE reports nothing)");
        }
        if (samples < 1 || samples > MAX_SAMPLES) {
            throw new InvalidInputException("samples", "must be in [1, " + MAX_SAMPLES + "], got " + samples);
        }
        if (sampling == null) {
            throw new InvalidInputException("sampling", "is required");
        }
        // before any tokenising or embedding: a request this large does no work
        int draws = samples * sampling.candidates();
        if ((long) prompts.size() * draws > MAX_DRAWS) {
            throw new InvalidInputException("candidates", prompts.size() + " prompts x " + samples + " samples x "
                    + sampling.candidates() + " candidates is more than " + MAX_DRAWS + " images per call");
        }
        requireOpen();
        boolean rerank = sampling.candidates() > 1;
        boolean refine = sampling.refineSteps() > 0;
        int[][] tokens = new int[prompts.size()][];
        for (int i = 0; i < prompts.size(); i++) {
            tokens[i] = checkTokens(prompts.get(i), singleName != null ? singleName : "texts[" + i + "]");
        }
        // each ranker's tokens of the prompts, checked before any drawing
        List<int[][]> rankerTokens = new ArrayList<>();
        for (MmfuseModel ranker : rerank || refine ? rankers : List.<MmfuseModel>of()) {
            rankerTokens.add(ranker == textModel ? tokens : rankerTokens(ranker, prompts, singleName));
        }
        MmfuseModel own = rankers.get(0);
        if ((rerank || refine) && own == textModel && own.config().imageSize() != info.config().imageSize()) { // load checks other rankers
            throw new InvalidInputException(rerank ? "candidates" : "refineSteps", "ranking and refining need a text"
                    + " model that reads " + info.config().imageSize() + " px images; this checkpoint's reads "
                    + own.config().imageSize() + " (load a ranker that does)");
        }
        boolean learned = info.config().learnedCaptions();
        float[] embeddings = learned ? null : textModel.embedTokens(tokens).data();
        Sampler.Noise noise = Sampler.noise(info.config(), draws, seed, (float) sampling.truncation());
        GenerationUnits units = new GenerationUnits(cancel, progress, rerank || !refine ? (long) prompts.size() * draws : 0,
                rerank ? rankers.size() : 0, refine ? (long) prompts.size() * samples : 0, sampling.refineSteps());
        float[] text;
        float[] images = null;
        lock.lock();
        try {
            requireOpen();
            text = learned ? Sampler.captionCodes(generator, device, tokens) : embeddings;
            if (rerank || !refine) { // refinement alone redraws every image from its refined noise
                images = Sampler.sample(generator, device, text, prompts.size(), noise, units);
            }
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("generating images", e);
        } finally {
            lock.unlock();
        }
        if (!rerank && !refine) {
            units.finished();
            return images;
        }
        List<float[]> rankTexts = new ArrayList<>();
        for (int k = 0; k < rankers.size(); k++) {
            MmfuseModel ranker = rankers.get(k);
            // the conditioning embeddings are the ranker's own when the ranker is the checkpoint's frozen text model
            rankTexts.add(ranker == textModel && embeddings != null ? embeddings
                    : ranker.embedTokens(rankerTokens.get(k)).data());
        }
        int groups = prompts.size() * samples;
        int[] picks = new int[groups];
        if (rerank) {
            List<double[]> scores = new ArrayList<>();
            for (int k = 0; k < rankers.size(); k++) {
                units.check("ranking images");
                scores.add(CandidateRanking.cosines(rankers.get(k).embedDecoded(images, prompts.size() * draws),
                        rankTexts.get(k), prompts.size()));
            }
            if (!refine) {
                units.finished();
                return CandidateRanking.best(images, scores, prompts.size(), samples, sampling.candidates());
            }
            picks = CandidateRanking.bestIndices(scores, groups, sampling.candidates());
        }
        float[] refined = refine(text, noise, picks, samples, sampling, rankTexts, seed, units);
        units.finished();
        return refined;
    }

    /** {@link LatentRefinement} of the picked candidate of each sample (picks[g]: its index within sample g's candidates). */
    private float[] refine(float[] text, Sampler.Noise noise, int[] picks, int samples, Sampling sampling,
            List<float[]> rankTexts, long seed, Cancellation cancel) {
        GanConfig c = info.config();
        int groups = picks.length;
        float[] z = new float[Math.multiplyExact(groups, c.noiseDim())];
        float[] eps = new float[groups * c.condDim()];
        float[] cond = new float[groups * c.textDim()];
        for (int g = 0; g < groups; g++) {
            int column = g % samples * sampling.candidates() + picks[g];
            System.arraycopy(noise.z(), column * c.noiseDim(), z, g * c.noiseDim(), c.noiseDim());
            System.arraycopy(noise.eps(), column * c.condDim(), eps, g * c.condDim(), c.condDim());
            System.arraycopy(text, g / samples * c.textDim(), cond, g * c.textDim(), c.textDim());
        }
        List<LatentRefinement.Critic> critics = new ArrayList<>();
        for (int k = 0; k < rankers.size(); k++) {
            critics.add(new LatentRefinement.Critic(rankers.get(k).network(), rankTexts.get(k)));
        }
        try {
            // the lock is taken per step, so a long refinement lets the other calls on this instance through
            return LatentRefinement.refine(generator, device, z, eps, cond, samples, critics, sampling.refineSteps(), seed,
                    LatentRefinement.SHIFT, cancel, step -> {
                        lock.lock();
                        try {
                            requireOpen(); // closed between two steps: the generator is freed
                            step.run();
                        } finally {
                            lock.unlock();
                        }
                    });
        } catch (MmfuseException | IllegalStateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("refining images", e);
        }
    }

    private void checkPrompts(List<String> prompts) {
        if (prompts == null || prompts.isEmpty()) {
            throw new InvalidInputException("texts", "no prompt given");
        }
        if (prompts.size() > MAX_PROMPTS) {
            throw new InvalidInputException("texts", "at most " + MAX_PROMPTS + " prompts per call, got " + prompts.size());
        }
        for (int i = 0; i < prompts.size(); i++) {
            checkPrompt(prompts.get(i), "texts[" + i + "]");
        }
    }

    private static String checkPrompt(String prompt, String name) {
        if (prompt == null || prompt.isBlank()) {
            throw new InvalidInputException(name, "empty or whitespace-only");
        }
        if (prompt.length() > MAX_PROMPT_CHARS) {
            throw new InvalidInputException(name, "is " + prompt.length() + " characters long, at most "
                    + MAX_PROMPT_CHARS + " are accepted");
        }
        return prompt;
    }

    /**
     * The prompt's token ids; rejects too many tokens or none the model knows: either way the images
     * would not reflect the prompt.
     */
    private int[] checkTokens(String prompt, String name) {
        int tokens = textModel.vocabulary().tokenizer().tokenize(prompt).size();
        int max = textModel.config().maxTokens();
        if (tokens > max) {
            throw new InvalidInputException(name, "has " + tokens + " tokens, the text model reads at most " + max);
        }
        return textModel.tokenize(prompt, name); // throws for no token or only unknown words
    }

    private static int[][] rankerTokens(MmfuseModel ranker, List<String> prompts, String singleName) {
        int[][] out = new int[prompts.size()][];
        for (int i = 0; i < out.length; i++) {
            String name = singleName != null ? singleName : "texts[" + i + "]";
            try {
                out[i] = ranker.tokenize(prompts.get(i), "ranker");
            } catch (InvalidInputException e) {
                throw new InvalidInputException(name, e.getMessage(), e); // "text: ranker: no word of ..."
            }
        }
        return out;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("TextToImage is closed");
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                generator.close();
                if (discriminator != null) {
                    discriminator.close();
                }
                device.close();
                textModel.close();
                for (MmfuseModel ranker : rankers) {
                    if (ranker != textModel) {
                        ranker.close();
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
