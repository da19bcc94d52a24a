package io.mmfuse.server;

import io.mmfuse.api.MmfuseModel;
import io.mmfuse.image.ImageDecoder;
import io.mmfuse.image.ImageSource;
import io.mmfuse.image.ImageWriter;
import io.mmfuse.search.FloatMatrix;
import java.util.List;

/**
 * Serves a trained checkpoint ({@link MmfuseModel}) through the server's {@link EmbeddingModel}:
 * {@link #prepareImage} is the checkpoint's own {@link ImageDecoder}, {@link #embedImages} its
 * image encoder. The {@link MmfuseModel} stays open on {@link #close()} (its loader closes it).
 */
public final class CheckpointEmbeddingModel implements EmbeddingModel {
    private final MmfuseModel model;
    private final ImageDecoder decoder;

    public CheckpointEmbeddingModel(MmfuseModel model) {
        this.model = model;
        this.decoder = model.imageDecoder();
    }

    @Override
    public String fingerprint() {
        return model.fingerprint();
    }

    @Override
    public int dimension() {
        return model.dimension();
    }

    @Override
    public FloatMatrix embedTexts(List<String> texts) {
        return model.embedTexts(texts);
    }

    /** @throws io.mmfuse.image.ImageDecodeException (an InvalidInputException) naming {@code field} */
    @Override
    public float[] prepareImage(String field, byte[] image) {
        return decoder.decode(ImageSource.of(field, image));
    }

    @Override
    public FloatMatrix embedImages(List<float[]> prepared) {
        int per = decoder.options().floatsPerImage();
        float[] chw = new float[prepared.size() * per];
        for (int i = 0; i < prepared.size(); i++) {
            float[] one = prepared.get(i);
            if (one.length != per) {
                throw new IllegalArgumentException("prepared[" + i + "] has " + one.length + " floats, expected " + per
                        + ": not made by this model's prepareImage");
            }
            System.arraycopy(one, 0, chw, i * per, per);
        }
        return model.embedDecoded(chw, prepared.size());
    }

    /**
     * Runs both encoders once, the image one on an image that went through {@link #prepareImage},
     * so the first request is not slow: OpenCV's natives load on the first decode and would
     * otherwise land on a request made after the server reported ready (118-144 ms for the first
     * image request against 19-20 ms with this warm-up, bench/results/server-2026-11-27-vm-first-request.md).
     */
    @Override
    public void warmUp() {
        model.embedTokens(new int[][] {{2, 3}});
        int s = model.config().imageSize();
        byte[] png = ImageWriter.encodePng(new byte[3 * s * s], s, s);
        embedImages(List.of(prepareImage("warm-up image", png)));
    }
}
