package io.mmfuse.server.http;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Reads request fields by hand, so that every type error names the field it is about. */
final class JsonBodies {
    static final ObjectMapper JSON = new ObjectMapper();

    private JsonBodies() {
    }

    static JsonNode parseObject(byte[] body) {
        if (body == null || body.length == 0) {
            throw new InvalidInputException("body", "is empty; expected a JSON object");
        }
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (JacksonException e) {
            throw new InvalidInputException("body", "is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new InvalidInputException("body", "could not be read: " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new InvalidInputException("body", "must be a JSON object");
        }
        return n;
    }

    static JsonNode required(JsonNode obj, String field) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            throw new InvalidInputException(field, "is required");
        }
        return n;
    }

    static List<String> stringList(JsonNode obj, String field) {
        JsonNode arr = required(obj, field);
        if (!arr.isArray()) {
            throw new InvalidInputException(field, "must be an array of strings");
        }
        List<String> out = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++) {
            out.add(string(arr.get(i), field + "[" + i + "]"));
        }
        return out;
    }

    static String string(JsonNode n, String field) {
        if (n == null || !n.isTextual()) {
            throw new InvalidInputException(field, "must be a string");
        }
        return n.asText();
    }

    static String optionalString(JsonNode obj, String field, String prefix) {
        JsonNode n = obj.get(field);
        return n == null || n.isNull() ? null : string(n, prefix + field);
    }

    static byte[] base64(JsonNode n, String field) {
        String s = string(n, field);
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, "is not valid base64: " + e.getMessage());
        }
    }

    static float[] floats(JsonNode n, String field) {
        if (n == null || !n.isArray() || n.isEmpty()) {
            throw new InvalidInputException(field, "must be a non-empty array of numbers");
        }
        float[] out = new float[n.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = n.get(i);
            if (!v.isNumber()) {
                throw new InvalidInputException(field + "[" + i + "]", "must be a number");
            }
            out[i] = v.floatValue();
            if (!Float.isFinite(out[i])) {
                throw new InvalidInputException(field + "[" + i + "]", "is not a finite float32");
            }
        }
        return out;
    }

    static double number(JsonNode obj, String field, double fallback) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw new InvalidInputException(field, "must be a number");
        }
        return n.asDouble();
    }

    static int integer(JsonNode obj, String field, int fallback) {
        JsonNode n = obj.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new InvalidInputException(field, "must be an integer");
        }
        return n.asInt();
    }

    /** Metadata arrives as a JSON object; it is stored as its text. */
    static String metadata(JsonNode obj, String prefix) {
        JsonNode n = obj.get("metadata");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw new InvalidInputException(prefix + "metadata", "must be a JSON object");
        }
        return n.toString();
    }
}
