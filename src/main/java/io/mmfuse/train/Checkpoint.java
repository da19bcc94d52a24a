package io.mmfuse.train;

import static io.mmfuse.io.CheckpointFiles.deleteQuietly;
import static io.mmfuse.io.CheckpointFiles.fsync;
import static io.mmfuse.io.CheckpointFiles.fsyncDirectory;
import static io.mmfuse.io.CheckpointFiles.sha256;
import static io.mmfuse.io.CheckpointFiles.swapIn;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mmfuse.InvalidInputException;
import io.mmfuse.io.CheckpointFiles;
import io.mmfuse.MmfuseException;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Devices;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.StringTensorDict;

/**
 * A trained model on disk: a directory holding
 * <ul>
 *   <li>{@code model.pt}: parameters and buffers in LibTorch's archive format;</li>
 *   <li>{@code config.json}: format name and version, the {@link ModelConfig}, and a SHA-256 of
 *       every other file (so truncation or bit rot is reported, not loaded);</li>
 *   <li>the caller's extra files, by name (e.g. {@code vocabulary.json}).</li>
 * </ul>
 * Saving is atomic: everything is written and fsynced in a temporary sibling directory, which is
 * then renamed into place (an existing checkpoint is first renamed aside, then deleted), so a
 * reader sees the old checkpoint or the new one, never a mix.
 */
public final class Checkpoint {
    public static final String FORMAT = "mmfuse-checkpoint";
    public static final int FORMAT_VERSION = 1;
    static final String WEIGHTS = "model.pt";
    static final String CONFIG = "config.json";
    private static final Pattern EXTRA_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Contents of config.json. */
    record Manifest(String format, int formatVersion, ModelConfig model, Map<String, String> sha256) {
    }

    private Checkpoint() {
    }

    /**
     * Writes {@code model} (its current weights) to {@code dir}, replacing any checkpoint there.
     *
     * @param extras files to store alongside, by plain file name (letters, digits, '.', '_', '-');
     *     may be empty
     * @throws InvalidInputException for a bad extra name, or when {@code dir} exists and is not a
     *     checkpoint (refuses to replace unrelated data)
     * @throws CheckpointException when writing fails
     */
    public static void save(Path dir, ModelConfig config, MultimodalAutoencoder model, Map<String, byte[]> extras) {
        if (dir == null || config == null || model == null) {
            throw new InvalidInputException("checkpoint", "dir, config and model are required");
        }
        if (!config.equals(model.config())) {
            throw new InvalidInputException("config", "differs from the model's own config");
        }
        Map<String, byte[]> files = new TreeMap<>(extras == null ? Map.of() : extras);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            String name = e.getKey();
            if (name == null || !EXTRA_NAME.matcher(name).matches() || name.equals(WEIGHTS) || name.equals(CONFIG)) {
                throw new InvalidInputException("extras[" + name + "]",
                        "must be a plain file name (letters, digits, '.', '_', '-') other than model.pt and config.json");
            }
            if (e.getValue() == null) {
                throw new InvalidInputException("extras[" + name + "]", "content is null");
            }
        }
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        CheckpointFiles.refuseToReplaceOther(target, CONFIG, "checkpoint dir", "a checkpoint");
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
            Map<String, String> sums = new LinkedHashMap<>();
            Path weights = tmp.resolve(WEIGHTS);
            try (PointerScope scope = new PointerScope()) {
                OutputArchive archive = new OutputArchive();
                model.save(archive);
                archive.save_to(weights.toString());
            }
            fsync(weights);
            sums.put(WEIGHTS, sha256(weights));
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                Path f = tmp.resolve(e.getKey());
                Files.write(f, e.getValue());
                fsync(f);
                sums.put(e.getKey(), sha256(e.getValue()));
            }
            Path cfg = tmp.resolve(CONFIG);
            JSON.writeValue(cfg.toFile(), new Manifest(FORMAT, FORMAT_VERSION, config, sums));
            fsync(cfg);
            fsyncDirectory(tmp);
            swapIn(tmp, target);
            tmp = null;
            fsyncDirectory(parent);
        } catch (IOException e) {
            throw new CheckpointException("cannot write checkpoint " + target + ": " + e, e);
        } catch (RuntimeException e) {
            if (e instanceof MmfuseException me) {
                throw me;
            }
            throw new CheckpointException("cannot serialise the model to " + target + ": " + firstLine(e), e);
        } finally {
            if (tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    /** Loads onto the device {@link Devices#auto()} picks. */
    public static LoadedCheckpoint load(Path dir) {
        return load(dir, Devices.auto());
    }

    /**
     * Reads a checkpoint written by {@link #save}. The model comes back in eval mode.
     *
     * @throws CheckpointException when the directory or a file is missing, a checksum does not
     *     match, the JSON or weights are unreadable, or the format version is not supported
     */
    public static LoadedCheckpoint load(Path dir, DeviceChoice device) {
        if (dir == null || device == null) {
            throw new InvalidInputException("checkpoint", "dir and device are required");
        }
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new CheckpointException("no checkpoint at " + root + ": not a directory");
        }
        Manifest manifest = readManifest(root);
        Map<String, byte[]> extras = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : manifest.sha256().entrySet()) {
            String name = e.getKey();
            if (!EXTRA_NAME.matcher(name).matches()) {
                throw new CheckpointException("corrupt checkpoint " + root + ": bad file name '" + name + "' in config.json");
            }
            Path f = root.resolve(name);
            byte[] bytes;
            try {
                bytes = name.equals(WEIGHTS) ? null : Files.readAllBytes(f);
                String actual = bytes == null ? sha256(f) : sha256(bytes);
                if (!actual.equalsIgnoreCase(e.getValue())) {
                    throw new CheckpointException("corrupt checkpoint " + root + ": " + name
                            + " does not match its checksum (truncated or modified)");
                }
            } catch (NoSuchFileException ex) {
                throw new CheckpointException("incomplete checkpoint " + root + ": missing " + name, ex);
            } catch (IOException ex) {
                throw new CheckpointException("cannot read " + f + ": " + ex, ex);
            }
            if (bytes != null) {
                extras.put(name, bytes);
            }
        }
        if (!manifest.sha256().containsKey(WEIGHTS)) {
            throw new CheckpointException("corrupt checkpoint " + root + ": config.json lists no " + WEIGHTS);
        }
        MultimodalAutoencoder model = MultimodalAutoencoder.create(manifest.model(), device);
        try (PointerScope scope = new PointerScope()) {
            Map<String, List<Long>> expected = shapes(model);
            InputArchive archive = new InputArchive();
            archive.load_from(root.resolve(WEIGHTS).toString(), new DeviceOptional(model.device()));
            model.load(archive);
            // LibTorch's Module::load replaces each tensor without checking its shape.
            Map<String, List<Long>> actual = shapes(model);
            if (!actual.equals(expected)) {
                String name = expected.keySet().stream().filter(k -> !expected.get(k).equals(actual.get(k)))
                        .findFirst().orElse("?");
                throw new CheckpointException("cannot load the weights of " + root + " into a model built from its config: "
                        + name + " has shape " + actual.get(name) + ", the config implies " + expected.get(name));
            }
        } catch (CheckpointException e) {
            model.close();
            throw e;
        } catch (RuntimeException e) {
            model.close();
            throw new CheckpointException("cannot load the weights of " + root + " into a model built from its config: "
                    + firstLine(e), e);
        }
        model.eval();
        return new LoadedCheckpoint(manifest.model(), model, extras);
    }

    private static Map<String, List<Long>> shapes(MultimodalAutoencoder model) {
        Map<String, List<Long>> out = new TreeMap<>();
        for (StringTensorDict dict : List.of(model.named_parameters(true), model.named_buffers(true))) {
            for (long i = 0; i < dict.size(); i++) {
                long[] shape = dict.get(i).value().shape();
                out.put(dict.get(i).key().getString(), java.util.Arrays.stream(shape).boxed().toList());
            }
        }
        return out;
    }

    private static Manifest readManifest(Path root) {
        Path cfg = root.resolve(CONFIG);
        if (!Files.isRegularFile(cfg)) {
            throw new CheckpointException("incomplete checkpoint " + root + ": missing " + CONFIG);
        }
        com.fasterxml.jackson.databind.JsonNode node;
        try {
            node = JSON.readTree(cfg.toFile());
        } catch (IOException e) {
            throw new CheckpointException("corrupt checkpoint " + root + ": " + CONFIG + " is not valid JSON", e);
        }
        if (node == null || !FORMAT.equals(node.path("format").asText(null))) {
            throw new CheckpointException("not an mmfuse checkpoint: " + cfg + " has no \"format\": \"" + FORMAT + "\"");
        }
        int version = node.path("formatVersion").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new CheckpointException("incompatible checkpoint " + root + ": format version " + version
                    + ", this build reads version " + FORMAT_VERSION);
        }
        try {
            Manifest m = JSON.treeToValue(node, Manifest.class);
            if (m.model() == null || m.sha256() == null) {
                throw new CheckpointException("corrupt checkpoint " + root + ": " + CONFIG + " lacks model or sha256");
            }
            return m;
        } catch (IOException | IllegalArgumentException e) {
            Throwable cause = e.getCause() instanceof InvalidInputException ? e.getCause() : e;
            throw new CheckpointException("corrupt checkpoint " + root + ": invalid model config in " + CONFIG + ": "
                    + cause.getMessage(), e);
        }
    }

    private static String firstLine(RuntimeException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
