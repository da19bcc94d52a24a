package io.mmfuse.data;

import io.mmfuse.InvalidInputException;
import io.mmfuse.data.ValidationReport.Check;
import io.mmfuse.data.ValidationReport.Finding;
import io.mmfuse.data.ValidationReport.Severity;
import io.mmfuse.image.ImageSource;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks a dataset before training and counts what is wrong with it. Touches the file system only
 * to test that image files exist (no decoding). Stateless and thread-safe.
 */
public final class DatasetValidator {
    public static final int DEFAULT_EXAMPLES = 5;
    private final int maxExamples;

    public DatasetValidator() {
        this(DEFAULT_EXAMPLES);
    }

    /** @param maxExamples how many offending names each finding keeps (&gt;= 0) */
    public DatasetValidator(int maxExamples) {
        if (maxExamples < 0) {
            throw new InvalidInputException("maxExamples", "must be >= 0, was " + maxExamples);
        }
        this.maxExamples = maxExamples;
    }

    public ValidationReport validate(Dataset dataset) {
        return validate(dataset, DatasetReport.empty());
    }

    /** Also folds in what the loader skipped (malformed lines, captions without image, unsplit images). */
    public ValidationReport validate(LoadResult loaded) {
        return validate(loaded.dataset(), loaded.report());
    }

    public ValidationReport validate(Dataset dataset, DatasetReport loadReport) {
        Map<String, List<Sample>> splits = new LinkedHashMap<>();
        splits.put("train", dataset.train());
        splits.put("val", dataset.val());
        splits.put("test", dataset.test());

        Tally missing = new Tally();
        Tally uncaptioned = new Tally();
        Tally duplicateCaptions = new Tally();
        Map<String, List<String>> splitsById = new LinkedHashMap<>();
        int captions = 0;
        for (Map.Entry<String, List<Sample>> split : splits.entrySet()) {
            for (Sample s : split.getValue()) {
                captions += s.captions().size();
                splitsById.computeIfAbsent(s.imageId(), k -> new ArrayList<>()).add(split.getKey());
                if (!imagePresent(s.image())) {
                    missing.add(1, s.imageId());
                }
                if (s.captions().stream().allMatch(String::isBlank)) {
                    uncaptioned.add(1, s.imageId());
                }
                Set<String> seen = new HashSet<>();
                for (String c : s.captions()) {
                    if (!seen.add(c.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT))) {
                        duplicateCaptions.add(1, s.imageId() + ": \"" + c + "\"");
                    }
                }
            }
        }
        Tally duplicateEntries = new Tally();
        splitsById.forEach((id, in) -> {
            if (in.size() > 1) {
                duplicateEntries.add(in.size() - 1, id + " (" + String.join(", ", in) + ")");
            }
        });
        Tally emptySplits = new Tally();
        splits.forEach((name, samples) -> {
            if (samples.isEmpty()) {
                emptySplits.add(1, name);
            }
        });
        // Without training data nothing can run; an empty val or test split only limits evaluation.
        Severity emptySeverity = dataset.train().isEmpty() ? Severity.ERROR : Severity.WARNING;

        List<Finding> findings = List.of(
                missing.finding(Check.MISSING_IMAGE_FILE, Severity.ERROR),
                uncaptioned.finding(Check.IMAGE_WITHOUT_CAPTIONS, Severity.ERROR),
                tallyOf(loadReport.captionsWithoutImage()).finding(Check.CAPTIONS_WITHOUT_IMAGE, Severity.WARNING),
                duplicateEntries.finding(Check.DUPLICATE_IMAGE_ENTRY, Severity.ERROR),
                duplicateCaptions.finding(Check.DUPLICATE_CAPTION, Severity.WARNING),
                emptySplits.finding(Check.EMPTY_SPLIT, emptySeverity),
                tallyOf(loadReport.skippedLines().stream().map(LineIssue::toString).toList())
                        .finding(Check.SKIPPED_LINE, Severity.WARNING),
                tallyOf(loadReport.unsplitImages()).finding(Check.UNSPLIT_IMAGE, Severity.INFO));
        return new ValidationReport(dataset.name(), dataset.train().size(), dataset.val().size(),
                dataset.test().size(), captions, findings);
    }

    private static boolean imagePresent(ImageSource image) {
        if (image instanceof ImageSource.FromFile file) {
            return Files.isRegularFile(file.path());
        }
        return ((ImageSource.FromBytes) image).bytes().length > 0;
    }

    private Tally tallyOf(List<String> names) {
        Tally t = new Tally();
        names.forEach(n -> t.add(1, n));
        return t;
    }

    /** Counts problems and keeps the first few names. */
    private final class Tally {
        private int count;
        private final List<String> examples = new ArrayList<>();

        void add(int n, String example) {
            count += n;
            if (examples.size() < maxExamples) {
                examples.add(example);
            }
        }

        Finding finding(Check check, Severity severity) {
            return new Finding(check, severity, count, examples);
        }
    }
}
