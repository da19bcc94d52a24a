package io.mmfuse.data;

import io.mmfuse.InvalidInputException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A dataset file cannot be read as a whole: invalid UTF-8, or (with strict loading) malformed
 * lines. {@link #issues()} lists every problem found, each with its line number; the message shows
 * the first few.
 */
public class DatasetFormatException extends InvalidInputException {
    private static final int SHOWN = 10;
    private final List<LineIssue> issues;

    public DatasetFormatException(String file, List<LineIssue> issues) {
        super(file, describe(issues));
        this.issues = List.copyOf(issues);
    }

    public List<LineIssue> issues() {
        return issues;
    }

    private static String describe(List<LineIssue> issues) {
        String shown = issues.stream().limit(SHOWN)
                .map(i -> "line " + i.line() + ": " + i.reason())
                .collect(Collectors.joining("; "));
        String more = issues.size() > SHOWN ? "; ... and " + (issues.size() - SHOWN) + " more" : "";
        return issues.size() + " problem(s): " + shown + more;
    }
}
