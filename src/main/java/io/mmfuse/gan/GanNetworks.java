package io.mmfuse.gan;

import io.mmfuse.MmfuseException;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Tensors;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

/**
 * Everything that training updates: generator (with its conditioning augmentation),
 * discriminator, the generator's moving average, and one Adam per network. Native; close it.
 */
final class GanNetworks implements AutoCloseable {
    final GanConfig config;
    final DeviceChoice deviceChoice;
    final Device device;
    final Generator generator;
    final Discriminator discriminator;
    /** null when emaDecay is 0. */
    final Generator average;
    final Adam optimizerG;
    final Adam optimizerD;

    private GanNetworks(GanConfig config, DeviceChoice deviceChoice) {
        this.config = config;
        this.deviceChoice = deviceChoice;
        this.device = Tensors.keep(deviceChoice.toTorch());
        this.generator = Tensors.keep(new Generator(config));
        this.discriminator = Tensors.keep(new Discriminator(config));
        this.average = config.emaDecay() > 0 ? Tensors.keep(new Generator(config)) : null;
        if (deviceChoice.isCuda()) {
            generator.to(device, false);
            discriminator.to(device, false);
            if (average != null) {
                average.to(device, false);
            }
        }
        if (average != null) {
            GeneratorAverage.copy(generator, average);
            average.eval();
        }
        this.optimizerG = GanOptimizers.adam(generator, config.lrG(), config);
        this.optimizerD = GanOptimizers.adam(discriminator, config.lrD(), config);
    }

    /** Fresh networks: seeds LibTorch's global generator with config.seed() first. */
    static GanNetworks create(GanConfig config, DeviceChoice device) {
        try {
            torch.manual_seed(config.seed());
            return new GanNetworks(config, device);
        } catch (MmfuseException e) {
            throw e;
        } catch (RuntimeException e) {
            throw Tensors.nativeFailure("building the GAN on " + device, e);
        }
    }

    /** The generator that samples: the moving average, or the raw generator when it is off. */
    Generator sampler() {
        return average != null ? average : generator;
    }

    @Override
    public void close() {
        optimizerG.close();
        optimizerD.close();
        generator.close();
        discriminator.close();
        if (average != null) {
            average.close();
        }
        device.close();
    }
}
