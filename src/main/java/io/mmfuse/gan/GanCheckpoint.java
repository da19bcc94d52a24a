package io.mmfuse.gan;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mmfuse.InvalidInputException;
import io.mmfuse.io.CheckpointFiles;
import io.mmfuse.MmfuseException;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Tensors;
import io.mmfuse.train.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.StringTensorDict;

/**
 * A trained GAN on disk, self-contained: one directory holding
 * <ul>
 *   <li>{@code generator-ema.pt}: the generator that samples (the moving average of the weights,
 *       or the raw generator when emaDecay is 0), which is all {@link TextToImage} loads;</li>
 *   <li>{@code generator.pt}, {@code discriminator.pt}, {@code optimizer-g.pt},
 *       {@code optimizer-d.pt}: raw weights and Adam states, so training resumes where it stopped;</li>
 *   <li>{@code gan.json}: format name and version, the {@link GanConfig}, the step, and a SHA-256
 *       of every file above;</li>
 *   <li>{@code text-model/}: a copy of the retrieval-model checkpoint whose caption embeddings the
 *       GAN was conditioned on (it checks its own files' hashes when loaded).</li>
 * </ul>
 * Saving writes and fsyncs everything into a temporary sibling directory and renames it into
 * place, so a reader sees the old checkpoint or the new one, never a mix.
 */
public final class GanCheckpoint {
    public static final String FORMAT = "mmfuse-gan-checkpoint";
    public static final int FORMAT_VERSION = 1;
    public static final String TEXT_MODEL_DIR = "text-model";
    static final String MANIFEST = "gan.json";
    static final String SAMPLER = "generator-ema.pt";
    static final String GENERATOR = "generator.pt";
    static final String DISCRIMINATOR = "discriminator.pt";
    static final String OPTIMIZER_G = "optimizer-g.pt";
    static final String OPTIMIZER_D = "optimizer-d.pt";
    private static final List<String> WEIGHT_FILES = List.of(SAMPLER, GENERATOR, DISCRIMINATOR, OPTIMIZER_G, OPTIMIZER_D);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Contents of gan.json. */
    record Manifest(String format, int formatVersion, GanConfig config, long step, Map<String, String> sha256) {
    }

    /** What a checkpoint holds, without loading weights. */
    public record Info(GanConfig config, long step, Path textModel) {
    }

    private GanCheckpoint() {
    }

    /**
     * Reads and checks {@code gan.json}.
     *
     * @throws CheckpointException when it is missing, unreadable, of another format or version
     */
    public static Info info(Path dir) {
        Path root = requireDirectory(dir);
        Manifest m = readManifest(root);
        return new Info(m.config(), m.step(), root.resolve(TEXT_MODEL_DIR));
    }

    /**
     * Writes the networks' current state to {@code dir}, replacing any GAN checkpoint there.
     *
     * @param textModelDir the retrieval checkpoint the caption embeddings came from, copied in
     */
    static void save(Path dir, GanNetworks nets, long step, Path textModelDir) {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        CheckpointFiles.refuseToReplaceOther(target, MANIFEST, "checkpoint dir", "a GAN checkpoint");
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
            Map<String, String> sums = new LinkedHashMap<>();
            writeArchive(tmp.resolve(SAMPLER), nets.sampler(), sums);
            writeArchive(tmp.resolve(GENERATOR), nets.generator, sums);
            writeArchive(tmp.resolve(DISCRIMINATOR), nets.discriminator, sums);
            writeArchive(tmp.resolve(OPTIMIZER_G), nets.optimizerG, sums);
            writeArchive(tmp.resolve(OPTIMIZER_D), nets.optimizerD, sums);
            CheckpointFiles.copyTree(textModelDir, tmp.resolve(TEXT_MODEL_DIR));
            Path manifest = tmp.resolve(MANIFEST);
            JSON.writeValue(manifest.toFile(), new Manifest(FORMAT, FORMAT_VERSION, nets.config, step, sums));
            CheckpointFiles.fsync(manifest);
            CheckpointFiles.fsyncDirectory(tmp);
            CheckpointFiles.swapIn(tmp, target);
            tmp = null;
            CheckpointFiles.fsyncDirectory(parent);
        } catch (IOException e) {
            throw new CheckpointException("cannot write GAN checkpoint " + target + ": " + e, e);
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CheckpointException("cannot serialise the GAN to " + target + ": " + firstLine(e), e);
        } finally {
            if (tmp != null) {
                CheckpointFiles.deleteQuietly(tmp);
            }
        }
    }

    /** The sampling generator of a checkpoint, in eval mode on {@code device}. */
    static Generator loadSampler(Path dir, DeviceChoice device) {
        return loadForInference(dir, device, SAMPLER, Generator::new);
    }

    /**
     * The discriminator of a checkpoint, in eval mode on {@code device} (spectral-norm vectors frozen, so
     * scoring images changes nothing), for {@link TextToImage#discriminatorScores}.
     */
    static Discriminator loadDiscriminator(Path dir, DeviceChoice device) {
        return loadForInference(dir, device, DISCRIMINATOR, Discriminator::new);
    }

    /** Builds the checkpoint's network {@code build} makes and reads {@code file} into it, in eval mode. */
    private static <M extends Module> M loadForInference(Path dir, DeviceChoice device, String file,
            Function<GanConfig, M> build) {
        Path root = requireDirectory(dir);
        Manifest m = readManifest(root);
        verify(root, m, List.of(file));
        M module = Tensors.keep(build.apply(m.config()));
        try {
            if (device.isCuda()) {
                try (PointerScope scope = new PointerScope()) {
                    module.to(device.toTorch(), false);
                }
            }
            readModule(root, file, module, device);
        } catch (RuntimeException e) {
            module.close();
            throw e;
        }
        MatchingLoss.freeze(module); // latent refinement backpropagates to the inputs only
        return module;
    }

    /**
     * Loads weights, moving average and Adam states into {@code nets} for resuming.
     *
     * @return the step the checkpoint was written at
     * @throws CheckpointException when the checkpoint's networks have other shapes than {@code nets}
     */
    static long restore(Path dir, GanNetworks nets) {
        Path root = requireDirectory(dir);
        Manifest m = readManifest(root);
        if (!m.config().sameArchitecture(nets.config)) {
            throw new CheckpointException("cannot resume from " + root + ": its networks (" + m.config()
                    + ") differ from the configured ones (" + nets.config + ")");
        }
        verify(root, m, WEIGHT_FILES);
        readModule(root, GENERATOR, nets.generator, nets.deviceChoice);
        readModule(root, DISCRIMINATOR, nets.discriminator, nets.deviceChoice);
        if (nets.average != null) {
            readModule(root, SAMPLER, nets.average, nets.deviceChoice);
        }
        readOptimizer(root, OPTIMIZER_G, nets.optimizerG, nets.deviceChoice);
        readOptimizer(root, OPTIMIZER_D, nets.optimizerD, nets.deviceChoice);
        return m.step();
    }

    private static void writeArchive(Path file, Pointer source, Map<String, String> sums) throws IOException {
        try (PointerScope scope = new PointerScope()) {
            OutputArchive archive = new OutputArchive();
            if (source instanceof Module module) {
                module.save(archive);
            } else {
                ((Optimizer) source).save(archive);
            }
            archive.save_to(file.toString());
        }
        CheckpointFiles.fsync(file);
        sums.put(file.getFileName().toString(), CheckpointFiles.sha256(file));
    }

    private static void readModule(Path root, String name, Module module, DeviceChoice device) {
        try (PointerScope scope = new PointerScope()) {
            Map<String, List<Long>> expected = shapes(module);
            InputArchive archive = new InputArchive();
            Device d = device.toTorch();
            archive.load_from(root.resolve(name).toString(), new DeviceOptional(d));
            module.load(archive);
            // LibTorch's Module::load replaces each tensor without checking its shape.
            Map<String, List<Long>> actual = shapes(module);
            if (!actual.equals(expected)) {
                String key = expected.keySet().stream().filter(k -> !expected.get(k).equals(actual.get(k)))
                        .findFirst().orElse("?");
                throw new CheckpointException("cannot load " + name + " of " + root + ": " + key + " has shape "
                        + actual.get(key) + ", the config implies " + expected.get(key));
            }
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CheckpointException("cannot load " + name + " of " + root + ": " + firstLine(e), e);
        }
    }

    private static void readOptimizer(Path root, String name, Optimizer optimizer, DeviceChoice device) {
        try (PointerScope scope = new PointerScope()) {
            InputArchive archive = new InputArchive();
            archive.load_from(root.resolve(name).toString(), new DeviceOptional(device.toTorch()));
            optimizer.load(archive);
        } catch (RuntimeException e) {
            throw new CheckpointException("cannot load " + name + " of " + root + ": " + firstLine(e), e);
        }
    }

    private static Map<String, List<Long>> shapes(Module module) {
        Map<String, List<Long>> out = new TreeMap<>();
        for (StringTensorDict dict : List.of(module.named_parameters(true), module.named_buffers(true))) {
            for (long i = 0; i < dict.size(); i++) {
                out.put(dict.get(i).key().getString(), Arrays.stream(dict.get(i).value().shape()).boxed().toList());
            }
        }
        return out;
    }

    private static void verify(Path root, Manifest m, List<String> names) {
        for (String name : names) {
            String expected = m.sha256().get(name);
            if (expected == null) {
                throw new CheckpointException("corrupt GAN checkpoint " + root + ": " + MANIFEST + " lists no " + name);
            }
            Path f = root.resolve(name);
            try {
                if (!CheckpointFiles.sha256(f).equalsIgnoreCase(expected)) {
                    throw new CheckpointException("corrupt GAN checkpoint " + root + ": " + name
                            + " does not match its checksum (truncated or modified)");
                }
            } catch (NoSuchFileException e) {
                throw new CheckpointException("incomplete GAN checkpoint " + root + ": missing " + name, e);
            } catch (IOException e) {
                throw new CheckpointException("cannot read " + f + ": " + e, e);
            }
        }
    }

    private static Path requireDirectory(Path dir) {
        if (dir == null) {
            throw new InvalidInputException("ganCheckpoint", "is required");
        }
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new CheckpointException("no GAN checkpoint at " + root + ": not a directory");
        }
        return root;
    }

    private static Manifest readManifest(Path root) {
        Path file = root.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("not a GAN checkpoint: " + root + " has no " + MANIFEST);
        }
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new CheckpointException("corrupt GAN checkpoint " + root + ": " + MANIFEST + " is not valid JSON", e);
        }
        if (node == null || !FORMAT.equals(node.path("format").asText(null))) {
            throw new CheckpointException("not a GAN checkpoint: " + file + " has no \"format\": \"" + FORMAT + "\"");
        }
        int version = node.path("formatVersion").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new CheckpointException("incompatible GAN checkpoint " + root + ": format version " + version
                    + ", this build reads version " + FORMAT_VERSION);
        }
        try {
            Manifest m = JSON.treeToValue(node, Manifest.class);
            if (m.config() == null || m.sha256() == null || m.step() < 0) {
                throw new CheckpointException("corrupt GAN checkpoint " + root + ": " + MANIFEST + " lacks config, step or sha256");
            }
            return m;
        } catch (IOException | IllegalArgumentException e) {
            Throwable cause = e.getCause() instanceof InvalidInputException ? e.getCause() : e;
            throw new CheckpointException("corrupt GAN checkpoint " + root + ": invalid config in " + MANIFEST + ": "
                    + cause.getMessage(), e);
        }
    }

    private static String firstLine(RuntimeException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
