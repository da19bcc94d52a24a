package io.mmfuse.caption;

import static io.mmfuse.io.CheckpointFiles.copyTree;
import static io.mmfuse.io.CheckpointFiles.deleteQuietly;
import static io.mmfuse.io.CheckpointFiles.fsync;
import static io.mmfuse.io.CheckpointFiles.fsyncDirectory;
import static io.mmfuse.io.CheckpointFiles.sha256;
import static io.mmfuse.io.CheckpointFiles.swapIn;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.train.CheckpointException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.StringTensorDict;

/**
 * A trained captioner on disk, self-contained: a directory holding
 * <ul>
 *   <li>{@code decoder.pt}: the {@link CaptionDecoder}'s weights (LibTorch archive);</li>
 *   <li>{@code caption-vocabulary.json}: the decoder's {@link CaptionVocabulary};</li>
 *   <li>{@code corpus.txt}: the reference captions for retrieval captioning, one per line (UTF-8);</li>
 *   <li>{@code config.json}: format name and version, the {@link CaptionDecoderConfig}, the
 *       fingerprint of the retrieval model's manifest and a SHA-256 of every file above;</li>
 *   <li>{@code retrieval-model/}: a copy of the retrieval checkpoint whose image embeddings the
 *       decoder was trained on (it checks its own files).</li>
 * </ul>
 * Saving writes and fsyncs everything in a temporary sibling directory and renames it into place
 * (an existing captioner checkpoint is renamed aside first, then deleted).
 */
public final class CaptionerCheckpoint {
    public static final String FORMAT = "mmfuse-captioner";
    public static final int FORMAT_VERSION = 1;
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "decoder.pt";
    public static final String VOCABULARY = "caption-vocabulary.json";
    public static final String CORPUS = "corpus.txt";
    public static final String RETRIEVAL_MODEL = "retrieval-model";
    /** The retrieval checkpoint's manifest, whose hash identifies its weights. */
    static final String RETRIEVAL_MANIFEST = "config.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Contents of config.json. */
    record Manifest(String format, int formatVersion, CaptionDecoderConfig decoder, String retrievalFingerprint,
            Map<String, String> sha256) {
    }

    /** A captioner read back; closing it frees the decoder. */
    public record Loaded(CaptionDecoderConfig config, CaptionDecoder decoder, CaptionVocabulary vocabulary,
            List<String> corpus, Path retrievalModel, String retrievalFingerprint) implements AutoCloseable {
        public Loaded {
            corpus = List.copyOf(corpus);
        }

        @Override
        public void close() {
            decoder.close();
        }
    }

    private CaptionerCheckpoint() {
    }

    /**
     * Writes a captioner checkpoint to {@code dir}, replacing a captioner checkpoint already there.
     *
     * @param corpus reference captions for retrieval captioning; line breaks inside a caption become spaces
     * @param retrievalCheckpoint the retrieval model's checkpoint directory, copied in
     * @throws InvalidInputException for missing arguments, a corpus without captions, a retrieval
     *     directory that is not a checkpoint, a vocabulary of another size than the decoder's, or a
     *     {@code dir} that exists and is neither empty nor a captioner checkpoint
     * @throws CheckpointException when writing fails
     */
    public static void save(Path dir, CaptionDecoder decoder, CaptionVocabulary vocabulary, List<String> corpus,
            Path retrievalCheckpoint) {
        if (dir == null || decoder == null || vocabulary == null || corpus == null || retrievalCheckpoint == null) {
            throw new InvalidInputException("captioner checkpoint",
                    "dir, decoder, vocabulary, corpus and retrievalCheckpoint are required");
        }
        if (vocabulary.size() != decoder.config().vocabSize()) {
            throw new InvalidInputException("vocabulary", vocabulary.size() + " ids, the decoder has "
                    + decoder.config().vocabSize());
        }
        if (corpus.isEmpty()) {
            throw new InvalidInputException("corpus", "no caption given");
        }
        Path source = retrievalCheckpoint.toAbsolutePath().normalize();
        if (!Files.isRegularFile(source.resolve(RETRIEVAL_MANIFEST))) {
            throw new InvalidInputException("retrievalCheckpoint", source + " is not a checkpoint (no "
                    + RETRIEVAL_MANIFEST + ")");
        }
        Path target = dir.toAbsolutePath().normalize();
        if (target.startsWith(source) || source.startsWith(target)) {
            throw new InvalidInputException("dir", target + " and the retrieval checkpoint " + source + " overlap");
        }
        refuseToReplaceOther(target);
        Path parent = target.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
            Map<String, String> sums = new LinkedHashMap<>();
            Path weights = tmp.resolve(WEIGHTS);
            try (PointerScope scope = new PointerScope()) {
                OutputArchive archive = new OutputArchive();
                decoder.save(archive);
                archive.save_to(weights.toString());
            }
            fsync(weights);
            sums.put(WEIGHTS, sha256(Files.readAllBytes(weights)));
            sums.put(VOCABULARY, writeFile(tmp.resolve(VOCABULARY), vocabulary.toJson()));
            sums.put(CORPUS, writeFile(tmp.resolve(CORPUS), corpusBytes(corpus)));
            copyTree(source, tmp.resolve(RETRIEVAL_MODEL));
            String fingerprint = sha256(Files.readAllBytes(tmp.resolve(RETRIEVAL_MODEL).resolve(RETRIEVAL_MANIFEST)));
            writeFile(tmp.resolve(CONFIG), JSON.writeValueAsBytes(
                    new Manifest(FORMAT, FORMAT_VERSION, decoder.config(), fingerprint, sums)));
            fsyncDirectory(tmp);
            swapIn(tmp, target);
            tmp = null;
            fsyncDirectory(parent);
        } catch (IOException e) {
            throw new CheckpointException("cannot write captioner checkpoint " + target + ": " + e, e);
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CheckpointException("cannot serialise the caption decoder to " + target + ": " + firstLine(e), e);
        } finally {
            if (tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    /**
     * Reads a captioner checkpoint: checks format, version and checksums, rebuilds the decoder from
     * its config on {@code device} and loads its weights (eval mode). The retrieval model is not
     * loaded; its directory is {@link Loaded#retrievalModel()}.
     *
     * @throws CheckpointException when the directory is not a captioner checkpoint, has another
     *     format version, or a file is missing, corrupt or does not fit the config
     */
    public static Loaded load(Path dir, DeviceChoice device) {
        if (dir == null || device == null) {
            throw new InvalidInputException("captioner checkpoint", "dir and device are required");
        }
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new CheckpointException("no captioner checkpoint at " + root + ": not a directory");
        }
        Manifest manifest = readManifest(root);
        Map<String, byte[]> files = new TreeMap<>();
        for (String name : List.of(WEIGHTS, VOCABULARY, CORPUS)) {
            String expected = manifest.sha256().get(name);
            if (expected == null) {
                throw new CheckpointException("corrupt captioner checkpoint " + root + ": " + CONFIG + " lists no " + name);
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(root.resolve(name));
            } catch (NoSuchFileException e) {
                throw new CheckpointException("incomplete captioner checkpoint " + root + ": missing " + name, e);
            } catch (IOException e) {
                throw new CheckpointException("cannot read " + root.resolve(name) + ": " + e, e);
            }
            if (!sha256(bytes).equalsIgnoreCase(expected)) {
                throw new CheckpointException("corrupt captioner checkpoint " + root + ": " + name
                        + " does not match its checksum (truncated or modified)");
            }
            files.put(name, bytes);
        }
        Path retrieval = root.resolve(RETRIEVAL_MODEL);
        try {
            String fp = sha256(Files.readAllBytes(retrieval.resolve(RETRIEVAL_MANIFEST)));
            if (!fp.equals(manifest.retrievalFingerprint())) {
                throw new CheckpointException("captioner checkpoint " + root + ": " + RETRIEVAL_MODEL
                        + "/ is not the retrieval model the decoder was trained with (fingerprint differs)");
            }
        } catch (NoSuchFileException e) {
            throw new CheckpointException("incomplete captioner checkpoint " + root + ": missing " + RETRIEVAL_MODEL
                    + "/" + RETRIEVAL_MANIFEST, e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + retrieval + ": " + e, e);
        }
        CaptionVocabulary vocabulary;
        try {
            vocabulary = CaptionVocabulary.fromJson(VOCABULARY, files.get(VOCABULARY));
        } catch (InvalidInputException e) {
            throw new CheckpointException("corrupt captioner checkpoint " + root + ": " + e.getMessage(), e);
        }
        if (vocabulary.size() != manifest.decoder().vocabSize()) {
            throw new CheckpointException("corrupt captioner checkpoint " + root + ": " + VOCABULARY + " has "
                    + vocabulary.size() + " ids, the decoder config " + manifest.decoder().vocabSize());
        }
        List<String> corpus = corpusLines(files.get(CORPUS));
        if (corpus.isEmpty()) {
            throw new CheckpointException("corrupt captioner checkpoint " + root + ": " + CORPUS + " is empty");
        }
        CaptionDecoder decoder = CaptionDecoder.create(manifest.decoder(), device);
        try (PointerScope scope = new PointerScope()) {
            Map<String, List<Long>> expected = shapes(decoder);
            InputArchive archive = new InputArchive();
            archive.load_from(root.resolve(WEIGHTS).toString(), new DeviceOptional(decoder.device()));
            decoder.load(archive);
            // Module::load replaces each tensor without checking its shape.
            Map<String, List<Long>> actual = shapes(decoder);
            if (!actual.equals(expected)) {
                throw new CheckpointException("cannot load the caption decoder of " + root
                        + ": its weights do not have the shapes its config implies");
            }
        } catch (CheckpointException e) {
            decoder.close();
            throw e;
        } catch (RuntimeException e) {
            decoder.close();
            throw new CheckpointException("cannot load the caption decoder of " + root + ": " + firstLine(e), e);
        }
        decoder.eval();
        return new Loaded(manifest.decoder(), decoder, vocabulary, corpus, retrieval, manifest.retrievalFingerprint());
    }

    static byte[] corpusBytes(List<String> corpus) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < corpus.size(); i++) {
            String c = corpus.get(i);
            if (c == null) {
                throw new InvalidInputException("corpus[" + i + "]", "is null");
            }
            String line = c.replaceAll("\\R", " ").strip();
            if (!line.isEmpty()) {
                sb.append(line).append('\n');
            }
        }
        if (sb.length() == 0) {
            throw new InvalidInputException("corpus", "has only blank captions");
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static List<String> corpusLines(byte[] bytes) {
        List<String> out = new ArrayList<>();
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                out.add(line);
            }
        }
        return out;
    }

    private static Manifest readManifest(Path root) {
        Path cfg = root.resolve(CONFIG);
        if (!Files.isRegularFile(cfg)) {
            throw new CheckpointException("not a captioner checkpoint: " + root + " has no " + CONFIG);
        }
        JsonNode node;
        try {
            node = JSON.readTree(cfg.toFile());
        } catch (IOException e) {
            throw new CheckpointException("corrupt captioner checkpoint " + root + ": " + CONFIG + " is not valid JSON", e);
        }
        if (node == null || !FORMAT.equals(node.path("format").asText(null))) {
            throw new CheckpointException("not a captioner checkpoint: " + cfg + " has no \"format\": \"" + FORMAT + "\"");
        }
        int version = node.path("formatVersion").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new CheckpointException("incompatible captioner checkpoint " + root + ": format version " + version
                    + ", this build reads version " + FORMAT_VERSION);
        }
        try {
            Manifest m = JSON.treeToValue(node, Manifest.class);
            if (m.decoder() == null || m.sha256() == null || m.retrievalFingerprint() == null) {
                throw new CheckpointException("corrupt captioner checkpoint " + root + ": " + CONFIG
                        + " lacks decoder, retrievalFingerprint or sha256");
            }
            return m;
        } catch (IOException | IllegalArgumentException e) {
            Throwable cause = e.getCause() instanceof InvalidInputException ? e.getCause() : e;
            throw new CheckpointException("corrupt captioner checkpoint " + root + ": invalid config in " + CONFIG + ": "
                    + cause.getMessage(), e);
        }
    }

    private static Map<String, List<Long>> shapes(CaptionDecoder decoder) {
        Map<String, List<Long>> out = new TreeMap<>();
        for (StringTensorDict dict : List.of(decoder.named_parameters(true), decoder.named_buffers(true))) {
            for (long i = 0; i < dict.size(); i++) {
                out.put(dict.get(i).key().getString(), Arrays.stream(dict.get(i).value().shape()).boxed().toList());
            }
        }
        return out;
    }

    private static void refuseToReplaceOther(Path target) {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new InvalidInputException("dir", target + " exists and is not a directory");
        }
        Path cfg = target.resolve(CONFIG);
        if (Files.isRegularFile(cfg)) {
            try {
                JsonNode node = JSON.readTree(cfg.toFile());
                if (node != null && FORMAT.equals(node.path("format").asText(null))) {
                    return;
                }
            } catch (IOException e) {
                // unreadable: treat as someone else's data below
            }
            throw new InvalidInputException("dir", target + " holds something other than a captioner checkpoint; "
                    + "refusing to replace it");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
            if (entries.iterator().hasNext()) {
                throw new InvalidInputException("dir", target + " exists, is not empty and is not a captioner "
                        + "checkpoint; refusing to replace it");
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot inspect " + target + ": " + e, e);
        }
    }

    /** Writes, fsyncs and returns the SHA-256 of the bytes. */
    private static String writeFile(Path f, byte[] bytes) throws IOException {
        Files.write(f, bytes);
        fsync(f);
        return sha256(bytes);
    }

    private static String firstLine(RuntimeException e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
