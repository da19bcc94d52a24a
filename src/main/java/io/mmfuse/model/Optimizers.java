package io.mmfuse.model;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/** Optimizers shared by the trainers. */
public final class Optimizers {
    private Optimizers() {
    }

    /**
     * AdamW with decoupled weight decay on weight matrices, conv kernels and embedding tables only;
     * biases, norm parameters and scalars (0- or 1-dimensional) are not decayed, as in CLIP, since
     * shrinking them only fights the normalisation.
     */
    public static AdamW adamWDecayingMatrices(Module module, double learningRate, double weightDecay) {
        TensorVector decay = Tensors.keep(new TensorVector());
        TensorVector noDecay = Tensors.keep(new TensorVector());
        try (PointerScope scope = new PointerScope()) {
            StringTensorDict params = module.named_parameters(true);
            for (long i = 0; i < params.size(); i++) {
                Tensor p = params.get(i).value();
                (p.dim() >= 2 ? decay : noDecay).push_back(p);
            }
        }
        AdamWOptions withDecay = new AdamWOptions(learningRate);
        withDecay.weight_decay().put(weightDecay);
        AdamW adamW = new AdamW(decay, withDecay);
        AdamWOptions withoutDecay = new AdamWOptions(learningRate);
        withoutDecay.weight_decay().put(0.0);
        adamW.add_param_group(new OptimizerParamGroup(noDecay, withoutDecay));
        decay.close();
        noDecay.close();
        return adamW;
    }
}
