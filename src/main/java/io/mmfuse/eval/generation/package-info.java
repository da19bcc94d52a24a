/**
 * Measurements for text-to-image generation.
 *
 * <p>On the built-in coloured shapes: {@link io.mmfuse.eval.generation.EvaluationTargets} turns
 * test scenes into captions whose required content is known, an
 * {@link io.mmfuse.eval.generation.AttributeClassifier} trained on real images reads what a
 * generated image shows, and {@link io.mmfuse.eval.generation.AttributeAccuracy} compares the two
 * per attribute (colour, shape, position, count), split by held-out colour-shape combinations.
 *
 * <p>On real captions (Flickr8k): {@link io.mmfuse.eval.generation.RPrecision} ranks each
 * generated image's caption among 99 random ones in a shared embedding space.
 */
package io.mmfuse.eval.generation;
