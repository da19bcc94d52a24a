package io.mmfuse.data;

import java.util.List;

/**
 * What a loader noticed but did not put into the {@link Dataset}.
 *
 * @param skippedLines malformed lines that were skipped, with file and line number
 * @param unsplitImages images that have captions and an image file but are in no split list
 *     (Flickr8k has 91 of them); not an error
 * @param captionsWithoutImage images that have captions but no image file (and therefore no
 *     sample): captions.tsv entries outside every split whose file is absent, or caption files
 *     without a same-named image in a folder
 */
public record DatasetReport(List<LineIssue> skippedLines, List<String> unsplitImages, List<String> captionsWithoutImage) {
    public DatasetReport {
        skippedLines = List.copyOf(skippedLines);
        unsplitImages = List.copyOf(unsplitImages);
        captionsWithoutImage = List.copyOf(captionsWithoutImage);
    }

    public static DatasetReport empty() {
        return new DatasetReport(List.of(), List.of(), List.of());
    }
}
