package io.mmfuse.server;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.search.FloatMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * A deterministic stand-in for the real model: an input's vector is a pure function of its text
 * or bytes, so batched and unbatched calls must agree exactly. A text "FAIL" fails its whole batch;
 * an image whose bytes contain "BAD" fails alone, when it is prepared. {@link #gate} can hold batches to fill queues.
 */
public final class FakeModel implements EmbeddingModel {
    public static final int DIM = 8;
    final List<Integer> textBatchSizes = new CopyOnWriteArrayList<>();
    final List<Integer> imageBatchSizes = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();
    final List<String> prepareThreads = new CopyOnWriteArrayList<>();
    volatile CountDownLatch gate = new CountDownLatch(0);
    /** Holds {@link #prepareImage} (the decode stage) the way {@link #gate} holds batches. */
    volatile CountDownLatch prepareGate = new CountDownLatch(0);
    /** Images that have entered {@link #prepareImage}, counted before the gate. */
    final java.util.concurrent.atomic.AtomicInteger preparing = new java.util.concurrent.atomic.AtomicInteger();
    volatile boolean warmedUp;
    final java.util.concurrent.atomic.AtomicInteger closes = new java.util.concurrent.atomic.AtomicInteger();
    /** Calls that have entered the model, counted before the gate: a held call is visible here. */
    final java.util.concurrent.atomic.AtomicInteger entered = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public String fingerprint() {
        return "fake@1";
    }

    @Override
    public int dimension() {
        return DIM;
    }

    @Override
    public FloatMatrix embedTexts(List<String> texts) {
        hold();
        textBatchSizes.add(texts.size());
        threads.add(Thread.currentThread().getName());
        if (texts.contains("FAIL")) {
            throw new MmfuseException("model failed on purpose");
        }
        float[] data = new float[texts.size() * DIM];
        for (int i = 0; i < texts.size(); i++) {
            System.arraycopy(textVector(texts.get(i)), 0, data, i * DIM, DIM);
        }
        return new FloatMatrix(texts.size(), DIM, data);
    }

    /** The "decoded" image is its vector; bytes containing "BAD" are rejected here, before batching. */
    @Override
    public float[] prepareImage(String field, byte[] image) {
        prepareThreads.add(Thread.currentThread().getName());
        if (new String(image, StandardCharsets.ISO_8859_1).contains("BAD")) {
            throw new InvalidInputException(field, "cannot decode: corrupt pixel data");
        }
        preparing.incrementAndGet();
        await(prepareGate);
        return bytesVector(image);
    }

    @Override
    public FloatMatrix embedImages(List<float[]> prepared) {
        hold();
        imageBatchSizes.add(prepared.size());
        threads.add(Thread.currentThread().getName());
        float[] data = new float[prepared.size() * DIM];
        for (int i = 0; i < prepared.size(); i++) {
            System.arraycopy(prepared.get(i), 0, data, i * DIM, DIM);
        }
        return new FloatMatrix(prepared.size(), DIM, data);
    }

    @Override
    public void warmUp() {
        EmbeddingModel.super.warmUp();
        warmedUp = true;
    }

    private void hold() {
        entered.incrementAndGet();
        await(gate);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test gate never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static float[] textVector(String text) {
        return bytesVector(("text:" + text).getBytes(StandardCharsets.UTF_8));
    }

    public static float[] bytesVector(byte[] bytes) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            CRC32 c = new CRC32();
            c.update(i);
            c.update(bytes);
            v[i] = (float) ((c.getValue() % 2001) - 1000) / 1000f;
        }
        return v;
    }

    /** A PNG signature and IHDR declaring width x height, followed by {@code payload}: enough for the header check. */
    public static byte[] png(int width, int height, String payload) {
        byte[] tail = payload.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + tail.length).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        b.putInt(13).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 12, 17);
        b.putInt((int) crc.getValue());
        b.put(tail);
        return b.array();
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }
}
