package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;

/**
 * Shape and training hyper-parameters of the text-to-image GAN. Immutable; stored as JSON in every
 * {@link GanCheckpoint}, so a loaded generator is rebuilt with exactly the layers it was trained with.
 * Start from {@link #defaults()} and change fields with {@link #toBuilder()}.
 *
 * @param noiseDim dimension of the noise vector z
 * @param textDim dimension of the conditioning caption embeddings (the retrieval model's commonDim)
 * @param condDim dimension of the conditioning-augmentation code c
 * @param genWidth generator width w: the 4x4 seed has 8w channels, halving per upsampling block
 * @param discWidth discriminator width w: conv blocks with w, 2w, 4w, 8w channels
 * @param imageSize side of the generated images; only 64 is supported
 * @param discriminator whether the discriminator sees the caption (GAN-INT-CLS) or the image alone
 * @param generatorConditioning where the caption enters the generator: at its input only, or also
 *     in every block through conditional BatchNorm; null (checkpoints written before this field
 *     existed) means INPUT
 * @param generatorUpsampling how the generator doubles its resolution: transposed convolutions
 *     (DCGAN) or nearest-neighbour resizing followed by a 3x3 convolution; null (checkpoints
 *     written before this field existed) means TRANSPOSED
 * @param spectralNorm spectral normalisation of every discriminator conv and linear layer
 * @param loss adversarial loss
 * @param klWeight weight of the conditioning-augmentation KL term in the generator loss
 * @param matchingWeight weight of the image-caption matching loss through a frozen retrieval
 *     model (0 = off; the trainer then needs no retrieval model); with order negatives in the
 *     data (orderNegativeRate &gt; 0) they are hard negatives of this loss too
 * @param orderNegativeRate matching-aware discriminator only: the share of mismatched pairs whose
 *     caption is the true caption with its last two noun phrases swapped ("a blue square above a
 *     red circle" for a red circle above a blue square), where the caption has two; random
 *     mismatches almost never differ in word order alone, so without these the discriminator
 *     never has to check relations (0 = off; needs a word-order-aware text model to matter)
 * @param objectNegatives with orderNegativeRate &gt; 0: each caption's hard negative is, with even
 *     odds, the word-order swap or the caption with one object replaced ("a red triangle above a
 *     blue square" for "a red circle above a blue square"), so that the discriminator and the
 *     matching loss must also check what each object is; false (and in checkpoints written before
 *     this field existed) = word-order swaps only
 * @param matchingShift with matchingWeight &gt; 0: the matching loss scores each generated image
 *     shifted by a random whole number of pixels up to this many each way (0 = unshifted, also in
 *     checkpoints written before this field existed); see {@link RandomTranslation}
 * @param discriminatorShift differentiable augmentation of what the discriminator sees
 *     (DiffAugment's translation): every real, generated and mismatched image is shifted by its own
 *     random whole number of pixels up to this many each way, in D's update and in G's (0 = off,
 *     also in checkpoints written before this field existed)
 * @param wordWeight weight of the auxiliary word loss (AC-GAN, with the caption's words as its
 *     labels): a head on the discriminator's pooled image features predicts which vocabulary words
 *     the caption holds, trained on real and generated images, and the generator is trained to make
 *     it predict its caption's words (0 = off, also in checkpoints written before this field existed)
 * @param wordClasses size of that head: the text model's vocabulary size, which the training job
 *     fills in (0 = not yet known; always 0 when wordWeight is 0)
 * @param featureWeight weight of the feature discriminator (0 = off, also in checkpoints written
 *     before this field existed): a second matching-aware discriminator whose heads read the frozen
 *     retrieval model's image-encoder block outputs instead of pixels (Projected GAN, Sauer et al.,
 *     2021), with its own hinge or non-saturating terms added to D's and G's losses at this weight;
 *     needs the matching-aware discriminator and the frozen retrieval model the matching loss uses
 * @param featureWidth width of that frozen image encoder (its first block's channels), which the
 *     training job fills in from the text model (0 = not yet known; always 0 when featureWeight is 0)
 * @param patchWeight weight of the patch discriminator (0 = off, also in checkpoints written before
 *     it existed): a second logit per 8x8-pixel-stride location of D's 8x8 feature map (each seeing
 *     about 22 x 22 pixels, an object's size in the shapes data), with the caption joined there when
 *     D is matching-aware, so that D judges each object's outline and not only the 4x4 summary
 * @param captionEncoder what the networks read of a caption: the frozen retrieval model's embedding
 *     (FROZEN; null in checkpoints written before this field existed) or the caption's tokens through
 *     a recurrent encoder that the generator and the matching-aware discriminator each own and
 *     train (LEARNED); the matching loss always uses the frozen embedding
 * @param captionVocabulary with LEARNED, the text model's vocabulary size (the token embedding's
 *     rows), which the training job fills in (0 = not yet known; always 0 with FROZEN)
 * @param lrG generator Adam learning rate (conditioning augmentation included)
 * @param lrD discriminator Adam learning rate
 * @param beta1 Adam beta1 for both optimizers
 * @param beta2 Adam beta2 for both optimizers
 * @param emaDecay decay of the exponential moving average of the generator weights used for
 *     sampling and saved in checkpoints; 0 = off (the raw generator samples)
 * @param batchSize captions (each with its image) per step
 * @param seed seeds LibTorch's global generator (initialisation, noise) and the Java RNG (batches)
 * @param threads LibTorch intra-op threads
 */
public record GanConfig(
        int noiseDim,
        int textDim,
        int condDim,
        int genWidth,
        int discWidth,
        int imageSize,
        DiscriminatorMode discriminator,
        GeneratorConditioning generatorConditioning,
        GeneratorUpsampling generatorUpsampling,
        boolean spectralNorm,
        Loss loss,
        double klWeight,
        double matchingWeight,
        double orderNegativeRate,
        boolean objectNegatives,
        int matchingShift,
        int discriminatorShift,
        double wordWeight,
        int wordClasses,
        double featureWeight,
        int featureWidth,
        double patchWeight,
        CaptionEncoding captionEncoder,
        int captionVocabulary,
        double lrG,
        double lrD,
        double beta1,
        double beta2,
        double emaDecay,
        int batchSize,
        long seed,
        int threads) {

    /** The only generated image side: four stride-2 upsamplings from a 4x4 seed. */
    public static final int SUPPORTED_IMAGE_SIZE = 64;
    /** An eighth of the image side: larger shifts would move objects across the position words' regions. */
    public static final int MAX_MATCHING_SHIFT = 8;

    /** What the discriminator judges. */
    public enum DiscriminatorMode {
        /** Real-and-matching against fake or mismatched (GAN-INT-CLS): learns whether image and caption agree. */
        MATCHING_AWARE,
        /** The founding design's discriminator: sees the image alone; kept as a measured baseline. */
        UNCONDITIONAL
    }

    /** Where the caption code enters the generator. */
    public enum GeneratorConditioning {
        /** Concatenated to the noise at the input only (DCGAN / GAN-INT-CLS). */
        INPUT,
        /**
         * Also in every block: each BatchNorm's scale and shift are linear in the caption code
         * (conditional BatchNorm, as in BigGAN), so the caption still steers the upsampling at 16x16
         * and 32x32, where shapes are drawn, instead of only through the 4x4 seed.
         */
        PER_BLOCK
    }

    /** How each generator block doubles the resolution. */
    public enum GeneratorUpsampling {
        /** ConvTranspose2d(4, stride 2, pad 1), as in DCGAN. */
        TRANSPOSED,
        /**
         * Nearest-neighbour 2x resize, then Conv2d(3, pad 1): every output pixel sees the same
         * number of kernel taps, so the uneven overlap of a stride-2 transposed convolution cannot
         * print its checkerboard into flat regions (Odena et al., 2016). About 2.25x the
         * multiply-adds of the transposed block.
         */
        RESIZE_CONV,
        /**
         * TRANSPOSED, except that the last block upsamples to w/2 channels (BatchNorm + ReLU) and a
         * 3x3 convolution at full resolution maps them to RGB, as SNGAN's and BigGAN's generators
         * end. Why: with a single stride-2 transposed convolution to RGB, every 64x64 pixel is
         * drawn by one of four 2x2 sub-kernels from the 32x32 features, which cannot make a
         * straight edge or a corner across the parity of the grid; the grids show objects as
         * speckled blobs. About 30 % more generator multiply-adds at width 32.
         */
        TRANSPOSED_REFINED
    }

    /** What the generator and the discriminator read of a caption. */
    public enum CaptionEncoding {
        /** The frozen retrieval model's caption embedding, computed once before training. */
        FROZEN,
        /**
         * The caption's tokens through a GRU of their own, trained with each network (as the
         * class embeddings of a projection discriminator are). Why: the retrieval model's pooled
         * embedding tells "a red circle above a blue square" from its swap only 73 % of the time
         * (generation-2026-11-27c-vm.md), so neither network is told reliably which object is where.
         */
        LEARNED
    }

    /** Adversarial loss. */
    public enum Loss {
        /** relu(1 - D(real)) + relu(1 + D(fake)) for D, -D(fake) for G. */
        HINGE,
        /** softplus(-D(real)) + softplus(D(fake)) for D, softplus(-D(fake)) for G. */
        NON_SATURATING
    }

    public GanConfig {
        positive("noiseDim", noiseDim);
        positive("textDim", textDim);
        positive("condDim", condDim);
        positive("genWidth", genWidth);
        positive("discWidth", discWidth);
        positive("batchSize", batchSize);
        positive("threads", threads);
        if (imageSize != SUPPORTED_IMAGE_SIZE) {
            throw new InvalidInputException("imageSize", "only " + SUPPORTED_IMAGE_SIZE + " is supported, got " + imageSize);
        }
        if (discriminator == null) {
            throw new InvalidInputException("discriminator", "is required");
        }
        if (loss == null) {
            throw new InvalidInputException("loss", "is required");
        }
        if (generatorConditioning == null) {
            generatorConditioning = GeneratorConditioning.INPUT;
        }
        if (generatorUpsampling == null) {
            generatorUpsampling = GeneratorUpsampling.TRANSPOSED;
        }
        if (captionEncoder == null) {
            captionEncoder = CaptionEncoding.FROZEN;
        }
        if (captionVocabulary < 0 || (captionVocabulary > 0 && captionEncoder != CaptionEncoding.LEARNED)) {
            throw new InvalidInputException("captionVocabulary", "must be 0 with frozen caption embeddings and >= 0 "
                    + "with learned ones, got " + captionVocabulary + " with " + captionEncoder);
        }
        if (batchSize < 2) {
            throw new InvalidInputException("batchSize", "must be >= 2 (mismatched captions come from the batch), got " + batchSize);
        }
        nonNegative("klWeight", klWeight);
        nonNegative("matchingWeight", matchingWeight);
        if (!(orderNegativeRate >= 0 && orderNegativeRate <= 1)) {
            throw new InvalidInputException("orderNegativeRate", "must be in [0, 1], got " + orderNegativeRate);
        }
        if (orderNegativeRate > 0 && discriminator != DiscriminatorMode.MATCHING_AWARE) {
            throw new InvalidInputException("orderNegativeRate", "needs the matching-aware discriminator");
        }
        if (objectNegatives && orderNegativeRate == 0) {
            throw new InvalidInputException("objectNegatives", "needs orderNegativeRate > 0 (the share of mismatched "
                    + "pairs that use a caption's hard negative)");
        }
        if (matchingShift < 0 || matchingShift > MAX_MATCHING_SHIFT) {
            throw new InvalidInputException("matchingShift", "must be in [0, " + MAX_MATCHING_SHIFT + "] pixels, got " + matchingShift);
        }
        if (matchingShift > 0 && matchingWeight == 0) {
            throw new InvalidInputException("matchingShift", "needs the matching loss (matchingWeight > 0)");
        }
        if (discriminatorShift < 0 || discriminatorShift > MAX_MATCHING_SHIFT) {
            throw new InvalidInputException("discriminatorShift", "must be in [0, " + MAX_MATCHING_SHIFT + "] pixels, got "
                    + discriminatorShift);
        }
        nonNegative("wordWeight", wordWeight);
        if (wordClasses < 0 || (wordClasses > 0 && wordWeight == 0)) {
            throw new InvalidInputException("wordClasses", "must be 0 without a word loss and >= 0 with one, got "
                    + wordClasses + " with wordWeight " + wordWeight);
        }
        nonNegative("featureWeight", featureWeight);
        nonNegative("patchWeight", patchWeight);
        if (featureWidth < 0 || (featureWidth > 0 && featureWeight == 0)) {
            throw new InvalidInputException("featureWidth", "must be 0 without a feature discriminator and >= 0 with one, got "
                    + featureWidth + " with featureWeight " + featureWeight);
        }
        if (featureWeight > 0 && discriminator != DiscriminatorMode.MATCHING_AWARE) {
            throw new InvalidInputException("featureWeight", "needs the matching-aware discriminator");
        }
        rate("lrG", lrG);
        rate("lrD", lrD);
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new InvalidInputException("beta1", "must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new InvalidInputException("beta2", "must be in [0, 1), got " + beta2);
        }
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw new InvalidInputException("emaDecay", "must be in [0, 1), got " + emaDecay);
        }
    }

    /** GAN-INT-CLS with hinge loss and spectral norm, DCGAN widths 64/64, batch 64, EMA 0.999, all cores. */
    public static GanConfig defaults() {
        return new GanConfig(100, 256, 128, 64, 64, SUPPORTED_IMAGE_SIZE, DiscriminatorMode.MATCHING_AWARE,
                GeneratorConditioning.INPUT, GeneratorUpsampling.TRANSPOSED, true,
                Loss.HINGE, 1.0, 0.0, 0.0, false, 0, 0, 0.0, 0, 0.0, 0, 0.0, CaptionEncoding.FROZEN, 0, 2e-4, 2e-4, 0.5, 0.999, 0.999, 64, 42L,
                Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    /** Whether two configs build networks with the same parameter shapes (what resuming needs). */
    public boolean sameArchitecture(GanConfig o) {
        return noiseDim == o.noiseDim && textDim == o.textDim && condDim == o.condDim && genWidth == o.genWidth
                && discWidth == o.discWidth && imageSize == o.imageSize && discriminator == o.discriminator
                && generatorConditioning == o.generatorConditioning
                && generatorUpsampling == o.generatorUpsampling && spectralNorm == o.spectralNorm
                && wordClasses == o.wordClasses && featureWidth == o.featureWidth
                && (patchWeight > 0) == (o.patchWeight > 0)
                && captionEncoder == o.captionEncoder && captionVocabulary == o.captionVocabulary;
    }

    /** Whether the networks read caption tokens through encoders of their own. */
    public boolean learnedCaptions() {
        return captionEncoder == CaptionEncoding.LEARNED;
    }

    /** Floats in one generated CHW image. */
    public int imageFloats() {
        return 3 * imageSize * imageSize;
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return defaults().toBuilder();
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new InvalidInputException(name, "must be > 0, got " + value);
        }
    }

    private static void nonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new InvalidInputException(name, "must be finite and >= 0, got " + value);
        }
    }

    private static void rate(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new InvalidInputException(name, "must be finite and > 0, got " + value);
        }
    }

    public static final class Builder {
        private int noiseDim;
        private int textDim;
        private int condDim;
        private int genWidth;
        private int discWidth;
        private int imageSize;
        private DiscriminatorMode discriminator;
        private GeneratorConditioning generatorConditioning;
        private GeneratorUpsampling generatorUpsampling;
        private boolean spectralNorm;
        private Loss loss;
        private double klWeight;
        private double matchingWeight;
        private double orderNegativeRate;
        private boolean objectNegatives;
        private int matchingShift;
        private int discriminatorShift;
        private double wordWeight;
        private int wordClasses;
        private double featureWeight;
        private int featureWidth;
        private double patchWeight;
        private CaptionEncoding captionEncoder;
        private int captionVocabulary;
        private double lrG;
        private double lrD;
        private double beta1;
        private double beta2;
        private double emaDecay;
        private int batchSize;
        private long seed;
        private int threads;

        private Builder(GanConfig c) {
            noiseDim = c.noiseDim;
            textDim = c.textDim;
            condDim = c.condDim;
            genWidth = c.genWidth;
            discWidth = c.discWidth;
            imageSize = c.imageSize;
            discriminator = c.discriminator;
            generatorConditioning = c.generatorConditioning;
            generatorUpsampling = c.generatorUpsampling;
            spectralNorm = c.spectralNorm;
            loss = c.loss;
            klWeight = c.klWeight;
            matchingWeight = c.matchingWeight;
            orderNegativeRate = c.orderNegativeRate;
            objectNegatives = c.objectNegatives;
            matchingShift = c.matchingShift;
            discriminatorShift = c.discriminatorShift;
            wordWeight = c.wordWeight;
            wordClasses = c.wordClasses;
            featureWeight = c.featureWeight;
            featureWidth = c.featureWidth;
            patchWeight = c.patchWeight;
            captionEncoder = c.captionEncoder;
            captionVocabulary = c.captionVocabulary;
            lrG = c.lrG;
            lrD = c.lrD;
            beta1 = c.beta1;
            beta2 = c.beta2;
            emaDecay = c.emaDecay;
            batchSize = c.batchSize;
            seed = c.seed;
            threads = c.threads;
        }

        public Builder noiseDim(int v) { noiseDim = v; return this; }
        public Builder textDim(int v) { textDim = v; return this; }
        public Builder condDim(int v) { condDim = v; return this; }
        public Builder genWidth(int v) { genWidth = v; return this; }
        public Builder discWidth(int v) { discWidth = v; return this; }
        public Builder imageSize(int v) { imageSize = v; return this; }
        public Builder discriminator(DiscriminatorMode v) { discriminator = v; return this; }
        public Builder generatorConditioning(GeneratorConditioning v) { generatorConditioning = v; return this; }
        public Builder generatorUpsampling(GeneratorUpsampling v) { generatorUpsampling = v; return this; }
        public Builder spectralNorm(boolean v) { spectralNorm = v; return this; }
        public Builder loss(Loss v) { loss = v; return this; }
        public Builder klWeight(double v) { klWeight = v; return this; }
        public Builder matchingWeight(double v) { matchingWeight = v; return this; }
        public Builder orderNegativeRate(double v) { orderNegativeRate = v; return this; }
        public Builder objectNegatives(boolean v) { objectNegatives = v; return this; }
        public Builder matchingShift(int v) { matchingShift = v; return this; }
        public Builder discriminatorShift(int v) { discriminatorShift = v; return this; }
        public Builder wordWeight(double v) { wordWeight = v; return this; }
        public Builder wordClasses(int v) { wordClasses = v; return this; }
        public Builder featureWeight(double v) { featureWeight = v; return this; }
        public Builder featureWidth(int v) { featureWidth = v; return this; }
        public Builder patchWeight(double v) { patchWeight = v; return this; }
        public Builder captionEncoder(CaptionEncoding v) { captionEncoder = v; return this; }
        public Builder captionVocabulary(int v) { captionVocabulary = v; return this; }
        public Builder lrG(double v) { lrG = v; return this; }
        public Builder lrD(double v) { lrD = v; return this; }
        public Builder beta1(double v) { beta1 = v; return this; }
        public Builder beta2(double v) { beta2 = v; return this; }
        public Builder emaDecay(double v) { emaDecay = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder threads(int v) { threads = v; return this; }

        public GanConfig build() {
            return new GanConfig(noiseDim, textDim, condDim, genWidth, discWidth, imageSize, discriminator, generatorConditioning,
                    generatorUpsampling, spectralNorm, loss, klWeight, matchingWeight, orderNegativeRate, objectNegatives, matchingShift, discriminatorShift, wordWeight, wordClasses,
                    featureWeight, featureWidth, patchWeight, captionEncoder, captionVocabulary, lrG, lrD, beta1, beta2, emaDecay,
                    batchSize, seed, threads);
        }
    }
}
