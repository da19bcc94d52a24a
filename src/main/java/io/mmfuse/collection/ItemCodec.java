package io.mmfuse.collection;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Binary form of the two mutations a collection logs, shared by the write-ahead log and
 * snapshots: ADD (upsert of a whole item) and DELETE (of an id). Strings are length-prefixed
 * UTF-8; a null label is length -1; floats are big-endian IEEE 754.
 */
final class ItemCodec {
    static final byte ADD = 1;
    static final byte DELETE = 2;

    /** A decoded mutation: {@code item} for ADD, {@code deletedId} for DELETE. */
    record Mutation(byte op, CollectionItem item, String deletedId) {
    }

    private ItemCodec() {
    }

    static byte[] encodeAdd(CollectionItem item) {
        byte[] id = utf8(item.id());
        byte[] label = item.label() == null ? null : utf8(item.label());
        byte[] meta = utf8(item.metadataJson());
        int size = 1 + 4 + id.length + 4 + item.vector().length * 4 + 4 + (label == null ? 0 : label.length) + 4 + meta.length;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(ADD);
        putBytes(b, id);
        b.putInt(item.vector().length);
        for (float v : item.vector()) {
            b.putFloat(v);
        }
        if (label == null) {
            b.putInt(-1);
        } else {
            putBytes(b, label);
        }
        putBytes(b, meta);
        return b.array();
    }

    static byte[] encodeDelete(String id) {
        byte[] bytes = utf8(id);
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + bytes.length);
        b.put(DELETE);
        putBytes(b, bytes);
        return b.array();
    }

    /** Decodes one payload whose checksum has already been verified; throws IllegalArgumentException if malformed. */
    static Mutation decode(ByteBuffer b, int expectedDim) {
        try {
            byte op = b.get();
            if (op == ADD) {
                String id = getString(b);
                int dim = b.getInt();
                if (dim != expectedDim) {
                    throw new IllegalArgumentException("vector of " + dim + " floats, collection dimension is " + expectedDim);
                }
                float[] v = new float[dim];
                for (int i = 0; i < dim; i++) {
                    v[i] = b.getFloat();
                }
                int labelLen = b.getInt();
                String label = labelLen < 0 ? null : getString(b, labelLen);
                String meta = getString(b);
                requireConsumed(b);
                return new Mutation(op, new CollectionItem(id, v, label, meta), null);
            }
            if (op == DELETE) {
                String id = getString(b);
                requireConsumed(b);
                return new Mutation(op, null, id);
            }
            throw new IllegalArgumentException("unknown record type " + op);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("record shorter than its fields", e);
        }
    }

    private static void requireConsumed(ByteBuffer b) {
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(b.remaining() + " trailing bytes in record");
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        b.putInt(bytes.length);
        b.put(bytes);
    }

    private static String getString(ByteBuffer b) {
        return getString(b, b.getInt());
    }

    private static String getString(ByteBuffer b, int len) {
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException("string length " + len + " exceeds the record");
        }
        byte[] bytes = new byte[len];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
