package io.mmfuse.train;

import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import java.util.Map;

/**
 * A checkpoint read back: the model (in eval mode, on the requested device) with its config and
 * the caller's extra files. Closing it frees the model.
 *
 * @param extras the files passed to {@link Checkpoint#save} as extras, by name (unmodifiable)
 */
public record LoadedCheckpoint(ModelConfig config, MultimodalAutoencoder model, Map<String, byte[]> extras)
        implements AutoCloseable {
    public LoadedCheckpoint {
        extras = Map.copyOf(extras);
    }

    @Override
    public void close() {
        model.close();
    }
}
