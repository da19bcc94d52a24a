package io.mmfuse.data;

/** Rules for image file names read from dataset files. */
final class ImageNames {
    private ImageNames() {}

    /** Why {@code name} cannot be an image file name inside the images folder, or null if it can. */
    static String problem(String name) {
        if (name.isEmpty()) {
            return "empty image file name";
        }
        // A name from a text file must not reach outside the images folder.
        if (name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
            return "image file name must not contain a path: '" + name + "'";
        }
        return null;
    }
}
