package io.mmfuse.collection;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.SearchBackends;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named set of embedded items kept in one directory, durable across crashes.
 *
 * <p>Layout: {@code manifest.json} (name, dimension, model fingerprint), {@code snapshot-G.snap}
 * (every item as of log generation G; absent for G = 0) and {@code wal-G.log} (every mutation
 * since). A mutation is appended to the log and forced to disk before the call returns — one
 * fsync per call, however many items it carries — and only then becomes visible to readers. When
 * the log passes {@link CollectionOptions#compactAfterLogBytes()} the state is written to
 * snapshot G+1 (temp file, fsync, rename) next to an empty wal-(G+1), and the old pair is deleted.
 * Opening replays snapshot and log and truncates a torn final record; a {@code lock} file keeps a
 * second process out.
 *
 * <p>Adding an id that exists replaces the item (so a retried add is harmless). Vectors from a
 * model other than the one recorded at creation are refused with {@link ModelMismatchException}.
 * The search index is built on the first search and kept up to date by later writes.
 *
 * <p>Thread-safe: writes are serialised; reads and searches run concurrently with each other and
 * wait only while a write is applied in memory (not while it is being forced to disk).
 */
public final class PersistentCollection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PersistentCollection.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SNAPSHOT = Pattern.compile("snapshot-(\\d{16})\\.snap");
    private static final Pattern WAL = Pattern.compile("wal-(\\d{16})\\.log");

    private final Path dir;
    private final Manifest manifest;
    private final CollectionOptions options;
    private final FileChannel lockChannel;
    private final FileLock fileLock;
    /** Serialises writers, including the fsync, so log order is apply order. */
    final ReentrantLock writeLock = new ReentrantLock();
    /** Guards {@link #items} and {@link #index} between applying writers and readers. */
    private final ReentrantReadWriteLock state = new ReentrantReadWriteLock();
    private final LinkedHashMap<String, CollectionItem> items = new LinkedHashMap<>();
    /** Mutations waiting for the next group commit (guarded by itself). */
    private final java.util.ArrayDeque<Commit> pending = new java.util.ArrayDeque<>();
    private RecordLog log;
    private long generation;
    private RowIndex index;
    private volatile boolean closed;

    private PersistentCollection(Path dir, Manifest manifest, CollectionOptions options, FileChannel lockChannel,
            FileLock fileLock) {
        this.dir = dir;
        this.manifest = manifest;
        this.options = options;
        this.lockChannel = lockChannel;
        this.fileLock = fileLock;
    }

    /** Creates a new, empty collection in {@code dir}, which must not hold one already. */
    public static PersistentCollection create(Path dir, String name, String modelFingerprint, int dimension,
            CollectionOptions options) {
        if (dimension <= 0) {
            throw new InvalidInputException("dimension", "must be positive, got " + dimension);
        }
        if (modelFingerprint == null || modelFingerprint.isBlank()) {
            throw new InvalidInputException("modelFingerprint", "must not be empty");
        }
        try {
            Files.createDirectories(dir);
            if (Files.exists(dir.resolve(Manifest.FILE))) {
                throw new AlreadyExistsException(name);
            }
            // The manifest is the commit point of creation: a directory without one is not a collection.
            new Manifest(Manifest.FORMAT_VERSION, name, dimension, modelFingerprint).write(dir);
            DurableFiles.forceDirectory(dir.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new MmfuseException("creating collection '" + name + "' in " + dir + " failed: " + e.getMessage(), e);
        }
        return open(dir, options);
    }

    /** Opens the collection in {@code dir}, recovering from a crash if one happened. */
    public static PersistentCollection open(Path dir, CollectionOptions options) {
        if (!Files.isRegularFile(dir.resolve(Manifest.FILE))) {
            throw new NotFoundException("collection", dir.toString());
        }
        FileChannel lockChannel = null;
        try {
            Manifest manifest = Manifest.read(dir);
            lockChannel = FileChannel.open(dir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockChannel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new MmfuseException("collection '" + manifest.name() + "' in " + dir + " is open elsewhere");
            }
            PersistentCollection c = new PersistentCollection(dir, manifest, options, lockChannel, lock);
            c.recover();
            return c;
        } catch (IOException e) {
            closeQuietly(lockChannel);
            throw new MmfuseException("opening collection in " + dir + " failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(lockChannel);
            throw e;
        }
    }

    private void recover() throws IOException {
        long gen = 0;
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.toList();
        }
        for (Path f : files) {
            Matcher m = SNAPSHOT.matcher(f.getFileName().toString());
            if (m.matches()) {
                gen = Math.max(gen, Long.parseLong(m.group(1)));
            }
        }
        if (gen > 0) {
            SnapshotFile.read(snapshotPath(gen), manifest.dimension(), item -> items.put(item.id(), item));
        }
        Path walPath = walPath(gen);
        if (Files.exists(walPath)) {
            log = RecordLog.openForAppend(walPath, this::replay);
        } else {
            log = RecordLog.create(walPath);
        }
        generation = gen;
        // Leftovers of an interrupted compaction or of generations already folded into the snapshot.
        for (Path f : files) {
            String n = f.getFileName().toString();
            Matcher sm = SNAPSHOT.matcher(n);
            Matcher wm = WAL.matcher(n);
            boolean stale = n.endsWith(".tmp")
                    || (sm.matches() && Long.parseLong(sm.group(1)) != gen)
                    || (wm.matches() && Long.parseLong(wm.group(1)) != gen);
            if (stale) {
                Files.deleteIfExists(f);
            }
        }
        LOG.debug("opened collection '{}': {} items, generation {}, log {} bytes", manifest.name(), items.size(), gen,
                log.size());
    }

    private void replay(ByteBuffer payload) {
        ItemCodec.Mutation m = ItemCodec.decode(payload, manifest.dimension());
        if (m.op() == ItemCodec.ADD) {
            items.put(m.item().id(), m.item());
        } else {
            items.remove(m.deletedId());
        }
    }

    public String name() {
        return manifest.name();
    }

    public int dimension() {
        return manifest.dimension();
    }

    public String modelFingerprint() {
        return manifest.modelFingerprint();
    }

    public Path directory() {
        return dir;
    }

    /** Number of live items. */
    public long count() {
        state.readLock().lock();
        try {
            return items.size();
        } finally {
            state.readLock().unlock();
        }
    }

    public CollectionInfo info() {
        return new CollectionInfo(name(), dimension(), modelFingerprint(), count());
    }

    /** Throws {@link ModelMismatchException} unless the collection was built by that model. */
    public void requireModel(String modelFingerprint) {
        if (!manifest.modelFingerprint().equals(modelFingerprint)) {
            throw new ModelMismatchException(manifest.name(), manifest.modelFingerprint(), modelFingerprint);
        }
    }

    /**
     * Adds (or replaces, by id) items embedded by the given model, durably: when this returns they
     * survive a crash. All items are validated before anything is written; one bad item rejects
     * the call. Returns the number of items written.
     */
    public int add(String modelFingerprint, List<CollectionItem> newItems) {
        requireModel(modelFingerprint);
        List<CollectionItem> clean = validate(newItems);
        if (clean.isEmpty()) {
            return 0;
        }
        return submit(new Commit(clean, null));
    }

    /** Deletes the items with these ids, durably; ids that do not exist are ignored. Returns how many existed. */
    public int delete(List<String> ids) {
        if (ids == null) {
            throw new InvalidInputException("ids", "must not be null");
        }
        for (int i = 0; i < ids.size(); i++) {
            if (ids.get(i) == null) {
                throw new InvalidInputException("ids[" + i + "]", "must not be null");
            }
        }
        if (ids.isEmpty()) {
            return 0;
        }
        return submit(new Commit(null, List.copyOf(new java.util.LinkedHashSet<>(ids))));
    }

    /** One caller's mutation waiting for a group commit; fields are read after the write lock hands over. */
    private static final class Commit {
        final List<CollectionItem> adds;
        final List<String> deletes;
        final List<String> deleted = new ArrayList<>();
        int result;
        RuntimeException error;
        boolean done;

        Commit(List<CollectionItem> adds, List<String> deletes) {
            this.adds = adds;
            this.deletes = deletes;
        }
    }

    /**
     * Group commit: the caller queues its mutation and takes the write lock; whoever holds the lock
     * writes every queued mutation with one fsync, so callers that arrive while a flush is running
     * share the next one instead of paying one each.
     */
    private int submit(Commit commit) {
        synchronized (pending) {
            pending.add(commit);
        }
        writeLock.lock();
        try {
            if (!commit.done) {
                commitPending();
            }
        } finally {
            writeLock.unlock();
        }
        if (commit.error != null) {
            throw commit.error instanceof IllegalStateException ise ? new IllegalStateException(ise.getMessage(), ise)
                    : new MmfuseException(commit.error.getMessage(), commit.error);
        }
        return commit.result;
    }

    private void commitPending() {
        List<Commit> group;
        synchronized (pending) {
            group = new ArrayList<>(pending);
            pending.clear();
        }
        try {
            ensureOpen();
            // Presence of ids touched earlier in this group, so a delete sees the adds queued before it.
            Map<String, Boolean> overlay = new HashMap<>();
            List<byte[]> payloads = new ArrayList<>();
            for (Commit c : group) {
                if (c.adds != null) {
                    for (CollectionItem item : c.adds) {
                        payloads.add(ItemCodec.encodeAdd(item));
                        overlay.put(item.id(), Boolean.TRUE);
                    }
                    c.result = c.adds.size();
                } else {
                    for (String id : c.deletes) {
                        boolean present = overlay.containsKey(id) ? overlay.get(id) : items.containsKey(id);
                        if (present) {
                            payloads.add(ItemCodec.encodeDelete(id));
                            overlay.put(id, Boolean.FALSE);
                            c.deleted.add(id);
                        }
                    }
                    c.result = c.deleted.size();
                }
            }
            if (!payloads.isEmpty()) {
                log.append(payloads);
            }
            // Durable now; only now do readers see it, in log order.
            state.writeLock().lock();
            try {
                for (Commit c : group) {
                    if (c.adds != null) {
                        for (CollectionItem item : c.adds) {
                            items.put(item.id(), item);
                        }
                        if (index != null) {
                            updateIndex(ix -> ix.putAll(c.adds));
                        }
                    } else {
                        for (String id : c.deleted) {
                            items.remove(id);
                        }
                        if (index != null) {
                            updateIndex(ix -> c.deleted.forEach(ix::remove));
                        }
                    }
                }
            } finally {
                state.writeLock().unlock();
            }
        } catch (RuntimeException e) {
            for (Commit c : group) {
                c.error = e;
            }
        } finally {
            for (Commit c : group) {
                c.done = true;
            }
        }
        try {
            compactIfDue();
        } catch (RuntimeException e) {
            // The writes above are durable in the log; compaction is retried after the next write.
            LOG.warn("compacting collection '{}' failed: {}", manifest.name(), e.toString());
        }
    }

    public Optional<CollectionItem> get(String id) {
        state.readLock().lock();
        try {
            ensureOpen();
            return Optional.ofNullable(items.get(id));
        } finally {
            state.readLock().unlock();
        }
    }

    /** Items in insertion order (a replaced item keeps its place), from {@code offset}, at most {@code limit}. */
    public List<CollectionItem> list(int offset, int limit) {
        if (offset < 0) {
            throw new InvalidInputException("offset", "must be >= 0, got " + offset);
        }
        if (limit < 0) {
            throw new InvalidInputException("limit", "must be >= 0, got " + limit);
        }
        state.readLock().lock();
        try {
            ensureOpen();
            return items.values().stream().skip(offset).limit(limit).toList();
        } finally {
            state.readLock().unlock();
        }
    }

    /** Visits every live item in insertion order while holding off writers. */
    public void forEach(Consumer<CollectionItem> visitor) {
        state.readLock().lock();
        try {
            ensureOpen();
            items.values().forEach(visitor);
        } finally {
            state.readLock().unlock();
        }
    }

    /**
     * The min(k, count()) nearest items to each query row by squared L2 distance. Queries must come
     * from the collection's model; deleted items never appear.
     */
    public List<List<ScoredItem>> search(String modelFingerprint, FloatMatrix queries, int k) {
        requireModel(modelFingerprint);
        if (queries.cols() != manifest.dimension()) {
            throw new InvalidInputException("query", "has " + queries.cols() + " dimensions, collection '"
                    + manifest.name() + "' has " + manifest.dimension());
        }
        if (k < 1) {
            throw new InvalidInputException("k", "must be >= 1, got " + k);
        }
        queries.requireFinite("query");
        ensureIndex();
        state.readLock().lock();
        try {
            ensureOpen();
            if (index == null) {
                // A write failed to update the index and dropped it; rebuild on the next call.
                throw new MmfuseException("search index of '" + manifest.name() + "' is being rebuilt; retry");
            }
            List<List<RowIndex.Neighbour>> found = index.search(queries, k);
            List<List<ScoredItem>> out = new ArrayList<>(found.size());
            for (List<RowIndex.Neighbour> hits : found) {
                List<ScoredItem> scored = new ArrayList<>(hits.size());
                for (RowIndex.Neighbour n : hits) {
                    scored.add(new ScoredItem(scored.size() + 1, items.get(n.id()), n.distance()));
                }
                out.add(scored);
            }
            return out;
        } finally {
            state.readLock().unlock();
        }
    }

    /** The kNN backend serving searches ("cpu", "cuda"), or null before the first search. */
    public String searchBackend() {
        state.readLock().lock();
        try {
            return index == null ? null : index.backend();
        } finally {
            state.readLock().unlock();
        }
    }

    /** Folds the log into a new snapshot now (normally done automatically as the log grows). */
    public void compact() {
        writeLock.lock();
        try {
            ensureOpen();
            long next = generation + 1;
            List<CollectionItem> snapshot;
            state.readLock().lock();
            try {
                snapshot = new ArrayList<>(items.values());
            } finally {
                state.readLock().unlock();
            }
            // The new log exists before the snapshot that makes it current: a crash in between
            // leaves generation G intact and an empty wal-(G+1) that recovery deletes.
            RecordLog nextLog = RecordLog.create(walPath(next));
            try {
                SnapshotFile.write(snapshotPath(next), manifest.dimension(), snapshot);
            } catch (IOException | RuntimeException e) {
                nextLog.close();
                Files.deleteIfExists(walPath(next));
                throw e;
            }
            RecordLog old = log;
            long oldGen = generation;
            log = nextLog;
            generation = next;
            old.close();
            Files.deleteIfExists(walPath(oldGen));
            if (oldGen > 0) {
                Files.deleteIfExists(snapshotPath(oldGen));
            }
            DurableFiles.forceDirectory(dir);
            LOG.debug("compacted collection '{}' to generation {} ({} items)", manifest.name(), next, snapshot.size());
        } catch (IOException e) {
            throw new MmfuseException("compacting collection '" + manifest.name() + "' failed: " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    /** Bytes in the current write-ahead log (for tests and metrics). */
    long logBytes() {
        return log.size();
    }

    long generation() {
        return generation;
    }

    int pendingCommits() {
        synchronized (pending) {
            return pending.size();
        }
    }

    long logAppends() {
        return log.appends();
    }

    private void compactIfDue() {
        if (!closed && log.size() > options.compactAfterLogBytes()) {
            compact();
        }
    }

    private void ensureIndex() {
        state.readLock().lock();
        try {
            if (index != null) {
                return;
            }
        } finally {
            state.readLock().unlock();
        }
        state.writeLock().lock();
        try {
            ensureOpen();
            if (index == null) {
                RowIndex built = new RowIndex(SearchBackends.open(manifest.dimension(), options.searchBackend()));
                try {
                    built.putAll(items.values());
                } catch (RuntimeException e) {
                    built.close();
                    throw e;
                }
                index = built;
            }
        } finally {
            state.writeLock().unlock();
        }
    }

    private void updateIndex(Consumer<RowIndex> change) {
        try {
            change.accept(index);
        } catch (RuntimeException e) {
            // The write is durable already; only the derived index is stale. Drop it so the next
            // search rebuilds it from the items.
            LOG.warn("search index of '{}' dropped after a failed update: {}", manifest.name(), e.toString());
            index.close();
            index = null;
        }
    }

    private List<CollectionItem> validate(List<CollectionItem> newItems) {
        if (newItems == null) {
            throw new InvalidInputException("items", "must not be null");
        }
        List<CollectionItem> clean = new ArrayList<>(newItems.size());
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < newItems.size(); i++) {
            CollectionItem item = newItems.get(i);
            String field = "items[" + i + "]";
            if (item == null) {
                throw new InvalidInputException(field, "must not be null");
            }
            validateId(field + ".id", item.id());
            Integer first = seen.putIfAbsent(item.id(), i);
            if (first != null) {
                throw new InvalidInputException(field + ".id", "'" + item.id() + "' repeats items[" + first + "].id");
            }
            float[] v = item.vector();
            if (v == null || v.length != manifest.dimension()) {
                throw new InvalidInputException(field + ".vector", "has " + (v == null ? "no" : v.length)
                        + " values, collection '" + manifest.name() + "' has dimension " + manifest.dimension());
            }
            for (int j = 0; j < v.length; j++) {
                if (!Float.isFinite(v[j])) {
                    throw new InvalidInputException(field + ".vector[" + j + "]", "is not finite (" + v[j] + ")");
                }
            }
            if (item.label() != null && item.label().length() > options.maxLabelChars()) {
                throw new InvalidInputException(field + ".label", "has " + item.label().length()
                        + " characters, at most " + options.maxLabelChars() + " allowed");
            }
            String meta = normaliseMetadata(field + ".metadata", item.metadataJson());
            clean.add(new CollectionItem(item.id(), v.clone(), item.label(), meta));
        }
        return clean;
    }

    private void validateId(String field, String id) {
        if (id == null || id.isBlank()) {
            throw new InvalidInputException(field, "must not be empty");
        }
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > options.maxIdBytes()) {
            throw new InvalidInputException(field, "is " + bytes + " bytes long, at most " + options.maxIdBytes() + " allowed");
        }
        for (int i = 0; i < id.length(); i++) {
            if (Character.isISOControl(id.charAt(i))) {
                throw new InvalidInputException(field, "contains a control character at position " + i);
            }
        }
    }

    private String normaliseMetadata(String field, String json) {
        int bytes = json.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > options.maxMetadataBytes()) {
            throw new InvalidInputException(field, "is " + bytes + " bytes, at most " + options.maxMetadataBytes() + " allowed");
        }
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new InvalidInputException(field, "is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidInputException(field, "must be a JSON object");
        }
        return node.toString();
    }

    private Path snapshotPath(long gen) {
        return dir.resolve(String.format("snapshot-%016d.snap", gen));
    }

    private Path walPath(long gen) {
        return dir.resolve(String.format("wal-%016d.log", gen));
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("collection '" + manifest.name() + "' is closed");
        }
    }

    /** Releases files and the search index. Every acknowledged write is on disk already. */
    @Override
    public void close() {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            state.writeLock().lock();
            try {
                closed = true;
                if (index != null) {
                    index.close();
                    index = null;
                }
            } finally {
                state.writeLock().unlock();
            }
            log.close();
            try {
                fileLock.release();
            } catch (IOException e) {
                LOG.warn("releasing the lock of '{}' failed: {}", manifest.name(), e.toString());
            }
            closeQuietly(lockChannel);
        } finally {
            writeLock.unlock();
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing left to release
            }
        }
    }
}
