package io.mmfuse.bench.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --key value} options; every key must be read, so a typo is an error rather than a silent default. */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> read = new HashSet<>();

    Args(String[] argv, int from) {
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || i + 1 >= argv.length) {
                throw new IllegalArgumentException("expected '--key value', got '" + a + "'");
            }
            values.put(a.substring(2), argv[++i]);
        }
    }

    String str(String key, String fallback) {
        read.add(key);
        String v = values.get(key);
        if (v == null && fallback == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v != null ? v : fallback;
    }

    int integer(String key, int fallback) {
        return Integer.parseInt(str(key, Integer.toString(fallback)));
    }

    double dbl(String key, double fallback) {
        return Double.parseDouble(str(key, Double.toString(fallback)));
    }

    List<String> list(String key, String fallback) {
        List<String> out = new ArrayList<>();
        for (String s : str(key, fallback).split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    void requireAllRead() {
        Set<String> unknown = new HashSet<>(values.keySet());
        unknown.removeAll(read);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown options: " + unknown);
        }
    }
}
