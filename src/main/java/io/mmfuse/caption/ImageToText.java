package io.mmfuse.caption;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.image.ImageSource;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Devices;
import io.mmfuse.search.FloatMatrix;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Image captioning from one captioner checkpoint ({@link CaptionerCheckpoint}): generated captions
 * (greedy or beam search) from the {@link CaptionDecoder}, and retrieved captions (nearest captions
 * of the checkpoint's {@code corpus.txt} in the retrieval model's joint space).
 *
 * <pre>{@code
 * try (ImageToText captioner = ImageToText.load(Path.of("runs/captioner"))) {
 *     ImageSource img = ImageSource.of(Path.of("photo.jpg"));
 *     String best = captioner.captionBeam(img, 3).get(0).text();
 *     List<RetrievedCaption> similar = captioner.retrieve(img, 5);
 * }
 * }</pre>
 *
 * <p>Thread-safe: any number of threads may caption at once. The retrieval index is built on the
 * first {@link #retrieve} call (it embeds the corpus once). Bad images throw the image decoder's
 * {@link io.mmfuse.image.ImageDecodeException}. {@link #close()} waits for running calls; calls
 * after it throw IllegalStateException.
 */
public final class ImageToText implements AutoCloseable {
    private final MmfuseModel model;
    private final CaptionerCheckpoint.Loaded captioner;
    private final CaptionGenerator generator;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Object retrievalInit = new Object();
    private volatile RetrievalCaptioner retrieval;
    private boolean closed;

    private ImageToText(MmfuseModel model, CaptionerCheckpoint.Loaded captioner) {
        this.model = model;
        this.captioner = captioner;
        this.generator = new CaptionGenerator(captioner.decoder(), captioner.vocabulary());
    }

    /** Loads onto CUDA when LibTorch has it, else the CPU. */
    public static ImageToText load(Path captionerCheckpointDir) {
        return load(captionerCheckpointDir, Devices.auto());
    }

    /**
     * @throws io.mmfuse.train.CheckpointException when the directory is not a complete captioner
     *     checkpoint of a supported version, or its retrieval model does not fit the decoder
     */
    public static ImageToText load(Path captionerCheckpointDir, DeviceChoice device) {
        CaptionerCheckpoint.Loaded loaded = CaptionerCheckpoint.load(captionerCheckpointDir, device);
        MmfuseModel model = null;
        try {
            model = MmfuseModel.load(loaded.retrievalModel(), device);
            if (model.dimension() != loaded.config().imageDim()) {
                throw new io.mmfuse.train.CheckpointException("captioner checkpoint " + captionerCheckpointDir
                        + ": the decoder expects " + loaded.config().imageDim() + "-d image embeddings, the retrieval model makes "
                        + model.dimension());
            }
            return new ImageToText(model, loaded);
        } catch (RuntimeException e) {
            if (model != null) {
                model.close();
            }
            loaded.close();
            throw e;
        }
    }

    /** The retrieval model whose image embeddings the decoder reads. */
    public MmfuseModel retrievalModel() {
        return model;
    }

    public CaptionVocabulary vocabulary() {
        return captioner.vocabulary();
    }

    public CaptionDecoderConfig config() {
        return captioner.config();
    }

    /** The reference captions {@link #retrieve} searches (as stored in the checkpoint). */
    public List<String> corpus() {
        return captioner.corpus();
    }

    /** The most probable word at each step. */
    public GeneratedCaption captionGreedy(ImageSource image) {
        requireImage(image);
        lock.readLock().lock();
        try {
            requireOpen();
            return generator.greedy(model.embedImage(image)).get(0);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Beam search of the given width; {@code width} captions, best (length-normalised) first. */
    public List<GeneratedCaption> captionBeam(ImageSource image, int width) {
        requireWidth(width);
        requireImage(image);
        lock.readLock().lock();
        try {
            requireOpen();
            return generator.beam(model.embedImage(image).row(0), width);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The k nearest captions of the checkpoint's corpus. */
    public List<RetrievedCaption> retrieve(ImageSource image, int k) {
        if (k <= 0) {
            throw new InvalidInputException("k", "must be >= 1, got " + k);
        }
        requireImage(image);
        lock.readLock().lock();
        try {
            requireOpen();
            return retrieval().caption(image, k);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Greedy captions for precomputed image embeddings (rows of {@link #retrievalModel()} output), batched. */
    public List<GeneratedCaption> greedy(FloatMatrix imageEmbeddings) {
        lock.readLock().lock();
        try {
            requireOpen();
            return generator.greedy(imageEmbeddings);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Beam search for one precomputed image embedding. */
    public List<GeneratedCaption> beam(float[] imageEmbedding, int width) {
        requireWidth(width);
        lock.readLock().lock();
        try {
            requireOpen();
            return generator.beam(imageEmbedding, width);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Retrieval captions for precomputed image embeddings. */
    public List<List<RetrievedCaption>> retrieveAll(FloatMatrix imageEmbeddings, int k) {
        if (k <= 0) {
            throw new InvalidInputException("k", "must be >= 1, got " + k);
        }
        lock.readLock().lock();
        try {
            requireOpen();
            return retrieval().captionAll(imageEmbeddings, k);
        } finally {
            lock.readLock().unlock();
        }
    }

    private RetrievalCaptioner retrieval() {
        RetrievalCaptioner r = retrieval;
        if (r == null) {
            synchronized (retrievalInit) {
                r = retrieval;
                if (r == null) {
                    r = RetrievalCaptioner.build(model, captioner.corpus());
                    retrieval = r;
                }
            }
        }
        return r;
    }

    private static void requireWidth(int width) {
        if (width <= 0 || width > CaptionGenerator.MAX_BEAM_WIDTH) {
            throw new InvalidInputException("width", "beam width must be in 1.." + CaptionGenerator.MAX_BEAM_WIDTH
                    + ", got " + width);
        }
    }

    private static void requireImage(ImageSource image) {
        if (image == null) {
            throw new InvalidInputException("image", "is required");
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("ImageToText is closed");
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            RetrievalCaptioner r = retrieval;
            if (r != null) {
                r.close();
            }
            try {
                model.close();
            } finally {
                captioner.close();
            }
        } catch (RuntimeException e) {
            if (e instanceof MmfuseException) {
                throw e;
            }
            throw new MmfuseException("closing the captioner: " + e.getMessage(), e);
        } finally {
            lock.writeLock().unlock();
        }
    }
}
