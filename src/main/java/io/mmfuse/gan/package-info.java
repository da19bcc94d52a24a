/**
 * Text-to-image generation: a GAN-INT-CLS style conditional GAN (Reed et al. 2016) with StackGAN's
 * conditioning augmentation, conditioned on the caption embeddings of a frozen mmfuse retrieval
 * model, or ({@link io.mmfuse.gan.GanConfig.CaptionEncoding#LEARNED}) on the caption's tokens
 * through a GRU caption encoder that the generator and the discriminator each train
 * ({@link io.mmfuse.gan.GanTrainingData#withTokens} before {@code withHardNegatives}).
 *
 * <p>The founding design (section 4.2) sketches a GAN whose discriminator sees the image alone; such
 * a discriminator cannot tell whether image and caption match, so nothing pushes the generator to
 * follow the caption. Here the discriminator is matching-aware by default: it scores (image,
 * caption) pairs and learns to reject generated images and real images with a mismatched caption.
 * The founding sketch's discriminator is kept as {@link io.mmfuse.gan.GanConfig.DiscriminatorMode#UNCONDITIONAL}
 * for comparison.
 *
 * <ul>
 *   <li>{@link io.mmfuse.gan.GanConfig}: networks and hyper-parameters;</li>
 *   <li>{@link io.mmfuse.gan.GanTrainingData}: images in [-1, 1] and caption embeddings;</li>
 *   <li>{@link io.mmfuse.gan.GanTrainer} with {@link io.mmfuse.gan.GanTrainOptions}: training,
 *       sample grids, checkpoints, resuming;</li>
 *   <li>{@link io.mmfuse.gan.GanCheckpoint}: the self-contained checkpoint directory;</li>
 *   <li>{@link io.mmfuse.gan.TextToImage}: generation from a checkpoint (library entry point), drawn
 *       as a {@link io.mmfuse.gan.Sampling} says (noise truncation, re-ranking of candidates by
 *       {@link io.mmfuse.gan.CandidateRanking} with the checkpoint's retrieval model or a ranker of
 *       the caller's, and refinement of the kept noise, {@link io.mmfuse.gan.Sampling#refineSteps()});
 *       long calls take an {@link io.mmfuse.Cancellation} and report {@link io.mmfuse.gan.GenerationProgress};</li>
 *   <li>{@link io.mmfuse.gan.SampleGrid}: images with their captions as one PNG.</li>
 * </ul>
 *
 * <pre>{@code
 * try (MmfuseModel text = MmfuseModel.load(retrievalCheckpoint)) {
 *     GanTrainingData data = GanTrainingData.embed(text, images, imageCount, captions, captionImage);
 *     GanTrainOptions options = GanTrainOptions.builder().timeBudget(Duration.ofMinutes(30))
 *             .outputDir(out).textModelDir(retrievalCheckpoint).checkpointEvery(500).sampleEvery(500)
 *             .preview(previewCaptions, text.embedTexts(previewCaptions).data()).build();
 *     new GanTrainer(GanConfig.defaults(), options, new ConsoleGanProgress()).train(data);
 * }
 * try (TextToImage t2i = TextToImage.load(out.resolve("checkpoint"))) {
 *     byte[] png = t2i.generatePng("a red circle above a blue square", 8, 42L);
 * }
 * }</pre>
 */
package io.mmfuse.gan;
