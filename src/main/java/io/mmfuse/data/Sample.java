package io.mmfuse.data;

import io.mmfuse.image.ImageSource;
import java.util.List;

/** One image and its captions (Flickr8k has five per image). */
public record Sample(String imageId, ImageSource image, List<String> captions) {
    public Sample {
        captions = List.copyOf(captions);
    }
}
