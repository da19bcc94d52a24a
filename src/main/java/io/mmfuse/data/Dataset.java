package io.mmfuse.data;

import java.util.List;

/** A named dataset cut into the usual three splits. */
public record Dataset(String name, List<Sample> train, List<Sample> val, List<Sample> test) {
    public Dataset {
        train = List.copyOf(train);
        val = List.copyOf(val);
        test = List.copyOf(test);
    }
}
