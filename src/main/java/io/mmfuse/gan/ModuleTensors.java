package io.mmfuse.gan;

import io.mmfuse.model.Tensors;
import org.bytedeco.pytorch.Tensor;

/** Holding on to a module's registered parameters and buffers from Java. */
final class ModuleTensors {
    private ModuleTensors() {
    }

    /**
     * An owning handle to a tensor that {@code register_parameter}/{@code register_buffer} just
     * returned. Those return a C++ reference into the module's dictionary, which moves when the
     * next tensor is registered; a copy of the at::Tensor shares the same storage and autograd
     * identity and stays valid.
     */
    static Tensor register(Tensor reference) {
        return Tensors.keep(new Tensor(reference));
    }
}
