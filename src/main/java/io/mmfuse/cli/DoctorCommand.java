package io.mmfuse.cli;

import java.util.concurrent.Callable;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import picocli.CommandLine.Command;

/** Prints what this installation runs on; the first thing to paste into a bug report. */
@Command(name = "doctor", description = "Print Java, JavaCPP, LibTorch, OpenCV and CUDA details, and thread settings.")
final class DoctorCommand implements Callable<Integer> {

    @Override
    public Integer call() throws java.io.IOException {
        System.out.printf("java        %s (%s), %s%n", System.getProperty("java.version"),
                System.getProperty("java.vm.name"), System.getProperty("java.home"));
        System.out.printf("os          %s %s, %d cores visible%n", System.getProperty("os.name"),
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors());
        System.out.printf("javacpp     %s, platform %s, cache %s%n", Loader.getVersion(), Loader.getPlatform(),
                Loader.getCacheDir());
        System.out.printf("OMP_NUM_THREADS=%s MKL_NUM_THREADS=%s%n", System.getenv("OMP_NUM_THREADS"),
                System.getenv("MKL_NUM_THREADS"));
        long t0 = System.nanoTime();
        try {
            io.mmfuse.model.NativeLibraries.unpack();
            Loader.load(org.bytedeco.pytorch.global.torch.class);
            System.out.printf("libtorch    %s, intra-op threads %d, inter-op threads %d (loaded in %d ms)%n",
                    Loader.getVersion("org.bytedeco", "pytorch"), org.bytedeco.pytorch.global.torch.get_num_threads(),
                    org.bytedeco.pytorch.global.torch.get_num_interop_threads(), (System.nanoTime() - t0) / 1_000_000);
            boolean cuda = org.bytedeco.pytorch.global.torch.cuda_is_available();
            System.out.printf("libtorch cuda  %s%n", cuda ? "available, " + org.bytedeco.pytorch.global.torch.cuda_device_count()
                    + " device(s)" : "not available (CPU build of LibTorch, or no device/driver)");
        } catch (Throwable e) {
            System.out.println("libtorch    NOT LOADED: " + e);
        }
        try {
            System.out.printf("opencv      %s, threads %d%n", org.bytedeco.opencv.global.opencv_core.CV_VERSION(),
                    org.bytedeco.opencv.global.opencv_core.getNumThreads());
        } catch (Throwable e) {
            System.out.println("opencv      NOT LOADED: " + e);
        }
        System.out.println("kernels     " + KernelsStatus.describe());
        System.out.printf("native mem  %d MiB physical, %d MiB tracked by JavaCPP%n", Pointer.physicalBytes() >> 20,
                Pointer.totalBytes() >> 20);
        return ExitCodes.OK;
    }
}
