package io.mmfuse.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;

/**
 * An in-memory copy of a module's parameters and buffers (same device), used to keep the best
 * epoch's weights without writing a checkpoint every epoch. Close it to free the copies.
 */
public final class ModuleSnapshot implements AutoCloseable {
    private final List<String> names = new ArrayList<>();
    private final List<Tensor> values = new ArrayList<>();

    private ModuleSnapshot() {
    }

    public static ModuleSnapshot capture(Module module) {
        ModuleSnapshot s = new ModuleSnapshot();
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            s.add(module.named_parameters(true));
            s.add(module.named_buffers(true));
        }
        return s;
    }

    private void add(StringTensorDict dict) {
        for (long i = 0; i < dict.size(); i++) {
            names.add(dict.get(i).key().getString());
            values.add(Tensors.keep(dict.get(i).value().detach().clone()));
        }
    }

    public void restoreInto(Module module) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            StringTensorDict params = module.named_parameters(true);
            StringTensorDict buffers = module.named_buffers(true);
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                Tensor target = params.contains(name) ? params.get(name) : buffers.get(name);
                target.copy_(values.get(i));
            }
        }
    }

    @Override
    public void close() {
        values.forEach(Tensor::close);
        values.clear();
        names.clear();
    }
}
