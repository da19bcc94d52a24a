package io.mmfuse.image;

import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.image.ImageDecodeException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Turns encoded images (JPEG, PNG, GIF first frame, BMP, WebP, TIFF first page) into normalised
 * float32 RGB tensors in CHW layout, {@code 3 x size x size}, as configured by {@link ImageOptions}.
 *
 * <p>Pipeline, in order: size limit on the encoded bytes; format sniffed from magic bytes; pixel
 * size read from the header and checked against {@code maxPixels} (before any decoding); structure
 * checked for truncation; OpenCV {@code imdecode}; conversion to 8-bit (16-bit / 257, float x 255);
 * alpha composited onto white; squash-resize to {@code size x size} (INTER_AREA when shrinking in
 * both directions, INTER_LINEAR otherwise; aspect ratio is not kept, nothing is cropped, matching
 * datasets that are stored pre-squashed); normalisation {@code (v / 255 - mean) / std}.
 *
 * <p>JPEG is decoded with IMREAD_COLOR, which applies the EXIF orientation and converts CMYK/YCCK
 * and greyscale to BGR. Other formats are decoded with IMREAD_UNCHANGED so that alpha and 16-bit
 * samples survive; their EXIF orientation, if any, is ignored.
 *
 * <p>Stateless besides its options and safe for concurrent use: every native object lives in a
 * {@link PointerScope} on the calling thread and is freed before the call returns.
 */
public final class ImageDecoder {
    private static final int CHANNELS = 3;

    private final ImageOptions options;
    private final float[] scale = new float[CHANNELS];
    private final float[] shift = new float[CHANNELS];

    public ImageDecoder() {
        this(ImageOptions.defaults());
    }

    public ImageDecoder(ImageOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        float[] mean = options.mean();
        float[] std = options.std();
        for (int c = 0; c < CHANNELS; c++) {
            scale[c] = 1f / (255f * std[c]);
            shift[c] = -mean[c] / std[c];
        }
    }

    public ImageOptions options() {
        return options;
    }

    /** Decodes one image into a new array of {@code options().floatsPerImage()} floats. */
    public float[] decode(ImageSource source) {
        float[] out = new float[options.floatsPerImage()];
        decodeInto(source, out, 0);
        return out;
    }

    /**
     * Decodes one image into {@code dst[offset .. offset + floatsPerImage)}; on failure nothing
     * useful is written.
     *
     * @throws ImageDecodeException with the reason the image was rejected
     */
    public void decodeInto(ImageSource source, float[] dst, int offset) {
        Objects.requireNonNull(source, "source");
        checkDestination(dst, offset);
        String name = source.name();
        byte[] bytes = readLimited(source, name);
        ImageHeader header = ImageHeader.read(name, bytes);
        if (header.pixels() > options.maxPixels()) {
            throw new ImageDecodeException(name, Reason.TOO_MANY_PIXELS, header.format() + " header declares "
                    + header.width() + "x" + header.height() + " = " + header.pixels() + " pixels, limit is "
                    + options.maxPixels());
        }
        ImageIntegrity.requireComplete(name, header.format(), bytes);
        int flags = header.format() == ImageFormat.JPEG ? IMREAD_COLOR : IMREAD_UNCHANGED;
        try (PointerScope scope = new PointerScope()) {
            BytePointer buffer = new BytePointer(bytes);
            Mat encoded = new Mat(1, bytes.length, CV_8UC1, buffer);
            Mat image;
            try {
                image = imdecode(encoded, flags);
            } catch (RuntimeException e) {
                throw new ImageDecodeException(name, Reason.CORRUPT,
                        "OpenCV rejected the " + header.format() + " data: " + firstLine(e.getMessage()), e);
            }
            if (image.empty()) {
                throw new ImageDecodeException(name, Reason.CORRUPT,
                        "OpenCV could not decode the " + header.format() + " data");
            }
            if ((long) image.cols() * image.rows() > options.maxPixels()) {
                throw new ImageDecodeException(name, Reason.TOO_MANY_PIXELS,
                        "decoded to " + image.cols() + "x" + image.rows() + " pixels, limit is " + options.maxPixels());
            }
            writeChw(name, image, dst, offset);
        }
    }

    /**
     * Resizes and normalises an OpenCV image (BGR, BGRA, grey or grey+alpha; 8-bit, 16-bit or float
     * in [0, 1], as OpenCV produces them) into a new CHW RGB array. Useful for images rendered in
     * memory; the Mat is not modified or released.
     *
     * @throws ImageDecodeException UNSUPPORTED_FORMAT for other depths or channel counts, EMPTY for an empty Mat
     */
    public float[] toChw(Mat image) {
        Objects.requireNonNull(image, "image");
        if (image.empty()) {
            throw new ImageDecodeException("Mat", Reason.EMPTY, "the Mat has no pixels");
        }
        float[] out = new float[options.floatsPerImage()];
        try (PointerScope scope = new PointerScope()) {
            writeChw("Mat", image, out, 0);
        }
        return out;
    }

    /** {@link #decodeAll(List, int, IntConsumer)} with one thread per available processor and no progress callback. */
    public DecodedBatch decodeAll(List<ImageSource> sources) {
        return decodeAll(sources, Runtime.getRuntime().availableProcessors(), null);
    }

    /** {@link #decodeAll(List, int, IntConsumer)} without a progress callback. */
    public DecodedBatch decodeAll(List<ImageSource> sources, int threads) {
        return decodeAll(sources, threads, null);
    }

    /**
     * Decodes many images on {@code threads} threads. A rejected image becomes a
     * {@link DecodedBatch.Failure} and never stops the batch; the decoded images keep input order.
     *
     * @param progress if not null, called once per finished image (decoded or rejected) with the
     *     number finished so far; calls are serialised but come from the worker threads
     * @throws InvalidInputException if {@code threads < 1}, an element is null, or the batch needs
     *     more than 2^31 floats (decode it in chunks)
     */
    public DecodedBatch decodeAll(List<ImageSource> sources, int threads, IntConsumer progress) {
        return decodeAll(sources, null, threads, progress);
    }

    /**
     * {@link #decodeAll(List, int, IntConsumer)} on the caller's long-lived {@code pool} (at least
     * {@code threads} threads, not shut down here). Long-running callers should use this: a pool per call
     * starts fresh native threads for every batch, and under mixed load that grew RSS by ~10 MB a
     * minute (bench/results/server-2026-11-27-vm-soak-arena2.md).
     */
    public DecodedBatch decodeAll(List<ImageSource> sources, ExecutorService pool, int threads, IntConsumer progress) {
        Objects.requireNonNull(sources, "sources");
        if (threads < 1) {
            throw new InvalidInputException("threads", "must be at least 1, got " + threads);
        }
        int n = sources.size();
        for (int i = 0; i < n; i++) {
            if (sources.get(i) == null) {
                throw new InvalidInputException("sources[" + i + "]", "is null");
            }
        }
        int per = options.floatsPerImage();
        if ((long) n * per > Integer.MAX_VALUE - 8) {
            throw new InvalidInputException("sources", n + " images of " + per
                    + " floats exceed one Java array; decode in chunks");
        }
        float[] data = new float[n * per];
        ImageDecodeException[] errors = new ImageDecodeException[n];
        Object progressLock = new Object();
        int[] finished = {0};
        IntConsumer decodeOne = i -> {
            try {
                decodeInto(sources.get(i), data, i * per);
            } catch (ImageDecodeException e) {
                errors[i] = e;
            }
            if (progress != null) {
                synchronized (progressLock) {
                    progress.accept(++finished[0]);
                }
            }
        };
        int workers = Math.min(threads, n);
        if (workers <= 1) {
            for (int i = 0; i < n; i++) {
                decodeOne.accept(i);
            }
        } else {
            runParallel(n, workers, pool, decodeOne);
        }
        return compact(sources, data, errors, per);
    }

    /** On {@code shared} when given (left running), else on a pool of its own that is shut down after. */
    private static void runParallel(int n, int workers, ExecutorService shared, IntConsumer task) {
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean aborted = new AtomicBoolean();
        ExecutorService pool = shared != null ? shared : Executors.newFixedThreadPool(workers, daemonThreads());
        try {
            List<Future<?>> futures = new ArrayList<>(workers);
            for (int w = 0; w < workers; w++) {
                futures.add(pool.submit(() -> {
                    try {
                        for (int i = next.getAndIncrement(); i < n && !aborted.get(); i = next.getAndIncrement()) {
                            task.accept(i);
                        }
                    } catch (RuntimeException | Error e) {
                        aborted.set(true);
                        throw e;
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MmfuseException("interrupted while decoding images", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new MmfuseException("image decoding failed", cause);
        } finally {
            if (shared == null) {
                pool.shutdownNow();
            } else {
                aborted.set(true); // workers of an interrupted call stop at their next image
            }
        }
    }

    /** A long-lived pool of {@code threads} daemon decode threads for {@link #decodeAll(List, ExecutorService, int, IntConsumer)}. */
    public static ExecutorService newDecodePool(int threads) {
        if (threads < 1) {
            throw new InvalidInputException("threads", "must be at least 1, got " + threads);
        }
        return Executors.newFixedThreadPool(threads, daemonThreads());
    }

    /**
     * {@link #newDecodePool(int)} whose queue holds at most {@code queueCapacity} waiting tasks;
     * beyond that {@code execute} throws {@link java.util.concurrent.RejectedExecutionException},
     * so a server can refuse work instead of queueing it without bound.
     */
    public static ThreadPoolExecutor newDecodePool(int threads, int queueCapacity) {
        if (threads < 1) {
            throw new InvalidInputException("threads", "must be at least 1, got " + threads);
        }
        if (queueCapacity < 1) {
            throw new InvalidInputException("queueCapacity", "must be at least 1, got " + queueCapacity);
        }
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queueCapacity),
                daemonThreads(), new ThreadPoolExecutor.AbortPolicy());
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "mmfuse-image-decode-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Moves the decoded images to the front, in order, so failures leave no gaps. */
    private DecodedBatch compact(List<ImageSource> sources, float[] data, ImageDecodeException[] errors, int per) {
        List<DecodedBatch.Decoded> decoded = new ArrayList<>();
        List<DecodedBatch.Failure> failures = new ArrayList<>();
        for (int i = 0; i < errors.length; i++) {
            String name = sources.get(i).name();
            if (errors[i] == null) {
                int target = decoded.size();
                if (target != i) {
                    System.arraycopy(data, i * per, data, target * per, per);
                }
                decoded.add(new DecodedBatch.Decoded(i, name));
            } else {
                failures.add(new DecodedBatch.Failure(i, name, errors[i].reason(), errors[i].getMessage()));
            }
        }
        float[] packed = failures.isEmpty() ? data : java.util.Arrays.copyOf(data, decoded.size() * per);
        return new DecodedBatch(options.size(), packed, decoded, failures);
    }

    private byte[] readLimited(ImageSource source, String name) {
        try {
            if (source instanceof ImageSource.FromFile file) {
                long size = Files.size(file.path());
                requireWithinBytes(name, size);
            }
            byte[] bytes = source.readBytes();
            requireWithinBytes(name, bytes.length);
            if (bytes.length == 0) {
                throw new ImageDecodeException(name, Reason.EMPTY, "0 bytes");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new ImageDecodeException(name, Reason.IO_ERROR, "no such file", e);
        } catch (IOException e) {
            throw new ImageDecodeException(name, Reason.IO_ERROR, e.toString(), e);
        }
    }

    private void requireWithinBytes(String name, long size) {
        if (size > options.maxBytes()) {
            throw new ImageDecodeException(name, Reason.TOO_LARGE_BYTES,
                    size + " bytes, limit is " + options.maxBytes());
        }
    }

    private void checkDestination(float[] dst, int offset) {
        Objects.requireNonNull(dst, "dst");
        if (offset < 0 || (long) offset + options.floatsPerImage() > dst.length) {
            throw new InvalidInputException("dst", "needs " + options.floatsPerImage() + " floats from offset "
                    + offset + ", has " + dst.length);
        }
    }

    /** Runs inside the caller's PointerScope, which frees every intermediate Mat. */
    private void writeChw(String name, Mat image, float[] dst, int offset) {
        Mat eightBit = toEightBit(name, image);
        Mat opaque = switch (eightBit.channels()) {
            case 1, 3 -> eightBit;
            case 2, 4 -> AlphaCompositor.onWhite(eightBit);
            default -> throw new ImageDecodeException(name, Reason.UNSUPPORTED_FORMAT,
                    eightBit.channels() + " channels per pixel");
        };
        Mat square = squash(opaque);
        int size = options.size();
        int plane = size * size;
        int channels = square.channels();
        byte[] pixels = new byte[plane * channels];
        square.data().get(pixels);
        if (channels == 3) { // OpenCV order is BGR
            for (int i = 0; i < plane; i++) {
                int b = pixels[3 * i] & 0xFF;
                int g = pixels[3 * i + 1] & 0xFF;
                int r = pixels[3 * i + 2] & 0xFF;
                dst[offset + i] = r * scale[0] + shift[0];
                dst[offset + plane + i] = g * scale[1] + shift[1];
                dst[offset + 2 * plane + i] = b * scale[2] + shift[2];
            }
        } else {
            for (int i = 0; i < plane; i++) {
                int v = pixels[i] & 0xFF;
                dst[offset + i] = v * scale[0] + shift[0];
                dst[offset + plane + i] = v * scale[1] + shift[1];
                dst[offset + 2 * plane + i] = v * scale[2] + shift[2];
            }
        }
    }

    private static Mat toEightBit(String name, Mat image) {
        int depth = image.depth();
        if (depth == CV_8U) {
            return image;
        }
        Mat out = new Mat();
        if (depth == CV_16U) {
            image.convertTo(out, CV_8U, 1.0 / 257.0, 0.0); // 65535 -> 255 exactly
        } else if (depth == CV_32F || depth == CV_64F) {
            image.convertTo(out, CV_8U, 255.0, 0.0); // float images are [0, 1] by convention; saturates outside
        } else {
            throw new ImageDecodeException(name, Reason.UNSUPPORTED_FORMAT, "pixel depth " + depthName(depth));
        }
        return out;
    }

    private Mat squash(Mat image) {
        int size = options.size();
        if (image.cols() == size && image.rows() == size) {
            return image.isContinuous() ? image : image.clone();
        }
        boolean shrinking = image.cols() >= size && image.rows() >= size;
        Mat out = new Mat(size, size, CV_8UC(image.channels()));
        resize(image, out, new Size(size, size), 0, 0, shrinking ? INTER_AREA : INTER_LINEAR);
        return out;
    }

    private static String depthName(int depth) {
        return switch (depth) {
            case 1 -> "8-bit signed";
            case 3 -> "16-bit signed";
            case 4 -> "32-bit signed";
            case 7 -> "16-bit float";
            default -> "code " + depth;
        };
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
