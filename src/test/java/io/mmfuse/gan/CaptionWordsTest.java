package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.model.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class CaptionWordsTest {

    @Test
    void targetsMarkEachCaptionsDistinctKnownWords() {
        assertThat(CaptionWords.distinctKnown(new int[] {5, 0, 3, 5, 1, 2})).containsExactly(2, 3, 5);
        CaptionWords w = new CaptionWords(new int[][] {{2, 4}, {3}}, 6);
        assertThat(w.targets(new int[] {1, 0, 1})).containsExactly(
                0, 0, 0, 1, 0, 0,
                0, 0, 1, 0, 1, 0,
                0, 0, 0, 1, 0, 0);
    }

    @Test
    void reservedOrOutOfRangeIdsAndEmptyCaptionsAreRejectedWithTheCaptionNamed() {
        assertThatThrownBy(() -> new CaptionWords(new int[][] {{2}, {1}}, 6))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("words[1]");
        assertThatThrownBy(() -> new CaptionWords(new int[][] {{6}}, 6))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("words[0]");
        assertThatThrownBy(() -> new CaptionWords(new int[][] {{2}, {}}, 6))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("words[1]");
        assertThatThrownBy(() -> new CaptionWords(new int[][] {{2}}, 2))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("classes");
    }

    @Test
    void theWordLossIsBinaryCrossEntropySummedOverWordsPerCaptionWord() {
        try (PointerScope scope = new PointerScope()) {
            // Row 0: logits 0 everywhere (each term ln 2), 2 words -> 3 ln 2 / 2.
            // Row 1: logit 2 on its one word (ln(1 + e^-2)), -1 and 0 elsewhere (ln(1 + e^-1), ln 2).
            Tensor logits = Tensors.floats(new float[] {0, 0, 0, 2, -1, 0}, GanFixtures.CPU.toTorch(), 2, 3);
            Tensor targets = Tensors.floats(new float[] {1, 0, 1, 1, 0, 0}, GanFixtures.CPU.toTorch(), 2, 3);
            double row0 = 3 * Math.log(2) / 2;
            double row1 = Math.log1p(Math.exp(-2)) + Math.log1p(Math.exp(-1)) + Math.log(2);
            assertThat(AdversarialLoss.words(logits, targets).item_float())
                    .isCloseTo((float) ((row0 + row1) / 2), org.assertj.core.data.Offset.offset(1e-5f));
        }
    }
}
