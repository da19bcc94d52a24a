package io.mmfuse.collection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CollectionStoreTest {
    @TempDir
    Path root;

    @Test
    void createsListsAndReopensCollections() {
        try (CollectionStore store = new CollectionStore(root, CollectionOptions.defaults())) {
            store.create("a", TestItems.MODEL, TestItems.DIM).add(TestItems.MODEL, List.of(TestItems.item(1)));
            store.create("b.2", "other", 3);
            assertThatThrownBy(() -> store.create("a", TestItems.MODEL, TestItems.DIM)).isInstanceOf(AlreadyExistsException.class);
            assertThat(store.names()).containsExactly("a", "b.2");
        }
        try (CollectionStore store = new CollectionStore(root, CollectionOptions.defaults())) {
            assertThat(store.get("a").info()).isEqualTo(new CollectionInfo("a", TestItems.DIM, TestItems.MODEL, 1));
            assertThat(store.get("a")).isSameAs(store.get("a"));
            assertThatThrownBy(() -> store.get("missing")).isInstanceOf(NotFoundException.class).hasMessageContaining("missing");
        }
    }

    @Test
    void rejectsNamesThatAreNotPlainDirectoryNames() {
        try (CollectionStore store = new CollectionStore(root, CollectionOptions.defaults())) {
            for (String bad : new String[] {"", "../x", "a/b", ".hidden", "x".repeat(65)}) {
                assertThatThrownBy(() -> store.create(bad, "m", 2)).as(bad).isInstanceOf(InvalidInputException.class)
                        .extracting(e -> ((InvalidInputException) e).input()).isEqualTo("collection");
            }
        }
    }
}
