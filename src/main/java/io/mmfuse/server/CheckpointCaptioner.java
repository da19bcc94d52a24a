package io.mmfuse.server;

import io.mmfuse.caption.ImageToText;
import io.mmfuse.caption.RetrievedCaption;
import io.mmfuse.image.ImageSource;
import java.util.List;

/** {@link ImageCaptioner} over a captioner checkpoint (retrieval corpus + decoder). */
public final class CheckpointCaptioner implements ImageCaptioner {
    private final ImageToText captioner;

    public CheckpointCaptioner(ImageToText captioner) {
        this.captioner = captioner;
    }

    @Override
    public Captions caption(String name, byte[] image, int k, int beamWidth) {
        ImageSource src = ImageSource.of(name, image);
        List<Retrieved> retrieved = captioner.retrieve(src, k).stream()
                .map((RetrievedCaption r) -> new Retrieved(r.rank(), r.caption(), r.distance())).toList();
        String greedy = captioner.captionGreedy(src).text();
        String beam = captioner.captionBeam(src, beamWidth).get(0).text();
        return new Captions(retrieved, greedy, beam);
    }

    @Override
    public void close() {
        captioner.close();
    }
}
