package io.mmfuse.data;

import java.util.List;

/**
 * Result of {@link DatasetValidator}: one {@link Finding} per {@link Check}, zero counts included,
 * so the record serialises to the same JSON shape every time (Jackson handles records directly).
 */
public record ValidationReport(String dataset, int trainImages, int valImages, int testImages, int captions,
        List<Finding> findings) {

    public enum Severity { ERROR, WARNING, INFO }

    public enum Check {
        MISSING_IMAGE_FILE("split entries whose image file is missing or empty"),
        IMAGE_WITHOUT_CAPTIONS("split entries with no caption"),
        CAPTIONS_WITHOUT_IMAGE("images with captions but no image file (not loaded)"),
        DUPLICATE_IMAGE_ENTRY("extra entries of an image listed more than once (in one or several splits)"),
        DUPLICATE_CAPTION("captions repeated for the same image (ignoring case and spacing)"),
        EMPTY_SPLIT("empty splits"),
        SKIPPED_LINE("malformed lines skipped by the loader"),
        UNSPLIT_IMAGE("captioned images in no split list (not loaded)");

        private final String description;

        Check(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** @param examples the first few offending names (image ids, "file:line: reason", split names) */
    public record Finding(Check check, Severity severity, int count, List<String> examples) {
        public Finding {
            examples = List.copyOf(examples);
        }
    }

    public ValidationReport {
        findings = List.copyOf(findings);
    }

    /** True when no finding of severity ERROR has a non-zero count. */
    public boolean ok() {
        return findings.stream().noneMatch(f -> f.severity() == Severity.ERROR && f.count() > 0);
    }

    public Finding finding(Check check) {
        return findings.stream().filter(f -> f.check() == check).findFirst()
                .orElseThrow(() -> new IllegalStateException("no finding for " + check));
    }

    public int count(Check check) {
        return finding(check).count();
    }

    /** A few lines for people: totals, verdict, then each non-zero finding with examples. */
    public String summary() {
        long errors = findings.stream().filter(f -> f.severity() == Severity.ERROR && f.count() > 0).count();
        long warnings = findings.stream().filter(f -> f.severity() == Severity.WARNING && f.count() > 0).count();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("Dataset %s: train %d, val %d, test %d images, %d captions: %s (%d error(s), %d warning(s))%n",
                dataset, trainImages, valImages, testImages, captions, ok() ? "OK" : "NOT OK", errors, warnings));
        for (Finding f : findings) {
            if (f.count() == 0) {
                continue;
            }
            sb.append(String.format("  %-7s %s: %d", f.severity(), f.check().description(), f.count()));
            if (!f.examples().isEmpty()) {
                sb.append(", e.g. ").append(String.join(", ", f.examples()));
                if (f.examples().size() < f.count()) {
                    sb.append(", ...");
                }
            }
            sb.append(System.lineSeparator());
        }
        return sb.toString();
    }
}
