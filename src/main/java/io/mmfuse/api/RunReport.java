package io.mmfuse.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mmfuse.MmfuseException;
import io.mmfuse.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Machine-readable summary of a batch job: what was processed, what was skipped and why, plus
 * job-specific figures. Written atomically next to the job's output.
 */
public record RunReport(String job, Instant finishedAt, int processed, List<Skipped> skipped,
        Map<String, Object> details) {

    public RunReport {
        skipped = List.copyOf(skipped);
        details = Map.copyOf(details);
    }

    public boolean hasSkipped() {
        return !skipped.isEmpty();
    }

    /** Human-readable lines for the end of a CLI run. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(job).append(": ").append(processed).append(" processed, ").append(skipped.size()).append(" skipped");
        int shown = 0;
        for (Skipped s : skipped) {
            if (shown++ == 20) {
                sb.append("\n  ... and ").append(skipped.size() - 20).append(" more (see the report file)");
                break;
            }
            sb.append("\n  skipped ").append(s.input()).append(" [").append(s.reason()).append("]: ").append(s.message());
        }
        return sb.toString();
    }

    public void write(Path target) {
        ObjectMapper json = new ObjectMapper().findAndRegisterModules()
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);
        try {
            AtomicFiles.write(target, json.writeValueAsBytes(Map.of(
                    "job", job, "finished_at", finishedAt.toString(), "processed", processed,
                    "skipped_count", skipped.size(), "skipped", skipped, "details", details)));
        } catch (IOException e) {
            throw new MmfuseException("cannot write report " + target + ": " + e.getMessage(), e);
        }
    }
}
