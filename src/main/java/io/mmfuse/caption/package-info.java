/**
 * Image to text on top of the retrieval model: corpus BLEU ({@link io.mmfuse.caption.Bleu}),
 * retrieval captioning (nearest corpus captions in the joint space,
 * {@link io.mmfuse.caption.RetrievalCaptioner}), a GRU caption decoder conditioned on the frozen
 * image embedding ({@link io.mmfuse.caption.CaptionDecoder}, trained by
 * {@link io.mmfuse.caption.CaptionerTrainer} or end to end by
 * {@link io.mmfuse.caption.CaptionTrainingJob}), greedy and beam decoding
 * ({@link io.mmfuse.caption.CaptionGenerator}), a self-contained checkpoint
 * ({@link io.mmfuse.caption.CaptionerCheckpoint}), the library entry point
 * {@link io.mmfuse.caption.ImageToText} and BLEU evaluation on a split
 * ({@link io.mmfuse.caption.CaptionEvaluation}).
 */
package io.mmfuse.caption;
