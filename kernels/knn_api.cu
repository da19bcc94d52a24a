// C API of mmfuse_knn.h: error reporting, device probing, the device-resident database and the
// chunked host-side search.
#include "mmfuse_knn.h"
#include "knn_internal.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <vector>

namespace {

thread_local std::string g_last_error;

int fail(int code, const std::string& message) {
    g_last_error = message;
    return code;
}

int from_cuda(cudaError_t e, const char* what) {
    // Clears the error unless it is sticky (a sticky one keeps failing every later call).
    cudaGetLastError();
    int code = MMFUSE_ERR_CUDA;
    if (e == cudaErrorMemoryAllocation) {
        code = MMFUSE_ERR_OUT_OF_MEMORY;
    } else if (e == cudaErrorNoDevice) {
        code = MMFUSE_ERR_NO_DEVICE;
    } else if (e == cudaErrorInsufficientDriver) {
        code = MMFUSE_ERR_INSUFFICIENT_DRIVER;
    }
    return fail(code, std::string(what) + ": " + cudaGetErrorName(e) + " (" +
                          cudaGetErrorString(e) + ")");
}

#define MMFUSE_CUDA(expr, what)                 \
    do {                                        \
        cudaError_t err_ = (expr);              \
        if (err_ != cudaSuccess) {              \
            return from_cuda(err_, what);       \
        }                                       \
    } while (0)

#define MMFUSE_CHECK(expr)                      \
    do {                                        \
        int st_ = (expr);                       \
        if (st_ != MMFUSE_OK) {                 \
            return st_;                         \
        }                                       \
    } while (0)

// Runs body, turning C++ exceptions into status codes: nothing may unwind through the C API.
template <typename F>
int guarded(F&& body) {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return fail(MMFUSE_ERR_OUT_OF_MEMORY, "host out of memory");
    } catch (const std::exception& e) {
        return fail(MMFUSE_ERR_INTERNAL, std::string("internal error: ") + e.what());
    } catch (...) {
        return fail(MMFUSE_ERR_INTERNAL, "internal error");
    }
}

// A device buffer that only grows.
struct DeviceBuffer {
    void* ptr = nullptr;
    size_t bytes = 0;

    int ensure(size_t need, const char* what) {
        if (need <= bytes) {
            return MMFUSE_OK;
        }
        release();
        MMFUSE_CUDA(cudaMalloc(&ptr, need), what);
        bytes = need;
        return MMFUSE_OK;
    }

    void release() {
        if (ptr != nullptr) {
            cudaFree(ptr);
        }
        ptr = nullptr;
        bytes = 0;
    }
};

// Per-call working memory; a pool of these makes concurrent searches on one index safe.
struct Scratch {
    cudaStream_t stream = nullptr;
    cudaEvent_t done = nullptr;   // recorded after the last work that used this scratch
    DeviceBuffer search;
    DeviceBuffer queries;
    DeviceBuffer ids;
    DeviceBuffer dists;

    ~Scratch() {
        search.release();
        queries.release();
        ids.release();
        dists.release();
        if (done != nullptr) {
            cudaEventDestroy(done);
        }
        if (stream != nullptr) {
            cudaStreamDestroy(stream);
        }
    }
};

constexpr int kMaxChunk = 16384;   // queries per internal launch
constexpr size_t kDistanceChunkBytes = 256u << 20;

// The kernels need sm_80+ instructions (cp.async, TF32 mma) and the fused kernel's shared memory.
bool usable_device(const cudaDeviceProp& prop) {
    return prop.major >= 8 && prop.sharedMemPerBlockOptin >= mmfuse::required_smem_per_block();
}

int padded_dim(int dim) {
    return (dim + 3) / 4 * 4;
}

}  // namespace

struct mmfuse_knn_index {
    int device = 0;
    int dim = 0;
    int dp = 0;
    int sm_count = 1;
    size_t smem_optin = 48 * 1024;
    bool wgmma = false;          // compute capability 9.0: the sm_90a wgmma kernel can run
    long long n = 0;
    long long cap = 0;
    float* x = nullptr;          // cap x dp, padding columns zero
    float* xn = nullptr;         // cap squared norms
    float* max_norm2 = nullptr;  // 1 float: max of xn[0..n)
    cudaStream_t stream = nullptr;
    std::mutex pool_mutex;
    std::vector<Scratch*> pool;  // idle scratches
    std::vector<Scratch*> all;   // every scratch ever made, for destroy
};

namespace {

int acquire_scratch(mmfuse_knn_index* ix, Scratch** out) {
    {
        std::lock_guard<std::mutex> lock(ix->pool_mutex);
        if (!ix->pool.empty()) {
            *out = ix->pool.back();
            ix->pool.pop_back();
            return MMFUSE_OK;
        }
    }
    Scratch* s = new Scratch();
    cudaError_t e = cudaStreamCreateWithFlags(&s->stream, cudaStreamNonBlocking);
    if (e == cudaSuccess) {
        e = cudaEventCreateWithFlags(&s->done, cudaEventDisableTiming);
    }
    if (e != cudaSuccess) {
        delete s;
        return from_cuda(e, "creating a search stream");
    }
    {
        std::lock_guard<std::mutex> lock(ix->pool_mutex);
        ix->all.push_back(s);
    }
    *out = s;
    return MMFUSE_OK;
}

void release_scratch(mmfuse_knn_index* ix, Scratch* s, cudaStream_t used) {
    cudaEventRecord(s->done, used);
    std::lock_guard<std::mutex> lock(ix->pool_mutex);
    ix->pool.push_back(s);
}

// Waits for searches still in flight (device API) before the database changes under them.
int wait_searches(mmfuse_knn_index* ix) {
    std::lock_guard<std::mutex> lock(ix->pool_mutex);
    for (Scratch* s : ix->all) {
        MMFUSE_CUDA(cudaEventSynchronize(s->done), "waiting for searches");
    }
    return MMFUSE_OK;
}

int use_device(int device) {
    MMFUSE_CUDA(cudaSetDevice(device), "selecting the CUDA device");
    return MMFUSE_OK;
}

int grow(mmfuse_knn_index* ix, long long need) {
    if (need <= ix->cap) {
        return MMFUSE_OK;
    }
    long long want = std::max<long long>({need, ix->cap * 2, 1024});
    float* nx = nullptr;
    float* nn = nullptr;
    for (int attempt = 0; attempt < 2; ++attempt) {
        const size_t xbytes = static_cast<size_t>(want) * ix->dp * sizeof(float);
        cudaError_t e = cudaMalloc(&nx, xbytes);
        if (e == cudaSuccess) {
            e = cudaMalloc(&nn, static_cast<size_t>(want) * sizeof(float));
            if (e != cudaSuccess) {
                cudaFree(nx);
                nx = nullptr;
            }
        }
        if (e == cudaSuccess) {
            break;
        }
        cudaGetLastError();
        if (e != cudaErrorMemoryAllocation || want == need) {
            return from_cuda(e, "allocating database memory");
        }
        want = need;   // doubling did not fit: try exactly what is needed
    }
    if (nx == nullptr) {
        return from_cuda(cudaErrorMemoryAllocation, "allocating database memory");
    }
    if (ix->n > 0) {
        MMFUSE_CUDA(cudaMemcpyAsync(nx, ix->x, static_cast<size_t>(ix->n) * ix->dp * sizeof(float),
                                    cudaMemcpyDeviceToDevice, ix->stream),
                    "copying the database");
        MMFUSE_CUDA(cudaMemcpyAsync(nn, ix->xn, static_cast<size_t>(ix->n) * sizeof(float),
                                    cudaMemcpyDeviceToDevice, ix->stream),
                    "copying the norms");
        MMFUSE_CUDA(cudaStreamSynchronize(ix->stream), "copying the database");
    }
    cudaFree(ix->x);
    cudaFree(ix->xn);
    ix->x = nx;
    ix->xn = nn;
    ix->cap = want;
    return MMFUSE_OK;
}

// Uploads host rows (n x dim) into device rows [first, first + n) and refreshes their norms and
// the maximum norm. Synchronous.
int upload_rows(mmfuse_knn_index* ix, long long first, const float* host, long long n,
                long long new_size) {
    float* dst = ix->x + first * ix->dp;
    if (ix->dp == ix->dim) {
        MMFUSE_CUDA(cudaMemcpyAsync(dst, host, static_cast<size_t>(n) * ix->dim * sizeof(float),
                                    cudaMemcpyHostToDevice, ix->stream),
                    "uploading rows");
    } else {
        MMFUSE_CUDA(cudaMemsetAsync(dst, 0, static_cast<size_t>(n) * ix->dp * sizeof(float), ix->stream),
                    "clearing row padding");
        MMFUSE_CUDA(cudaMemcpy2DAsync(dst, ix->dp * sizeof(float), host, ix->dim * sizeof(float),
                                      ix->dim * sizeof(float), static_cast<size_t>(n),
                                      cudaMemcpyHostToDevice, ix->stream),
                    "uploading rows");
    }
    MMFUSE_CUDA(mmfuse::launch_row_norms(dst, n, ix->dp, ix->xn + first, ix->stream), "row norms");
    MMFUSE_CUDA(mmfuse::launch_max_reduce(ix->xn, new_size, ix->max_norm2, ix->stream), "max norm");
    MMFUSE_CUDA(cudaStreamSynchronize(ix->stream), "uploading rows");
    return MMFUSE_OK;
}

int check_search_args(const mmfuse_knn_index* ix, int nq, int k) {
    if (ix == nullptr) {
        return fail(MMFUSE_ERR_INVALID_ARGUMENT, "index is NULL");
    }
    if (nq < 0) {
        return fail(MMFUSE_ERR_INVALID_ARGUMENT, "nq must be >= 0, got " + std::to_string(nq));
    }
    if (k < 1 || k > MMFUSE_KNN_MAX_K || k > ix->n) {
        return fail(MMFUSE_ERR_INVALID_ARGUMENT,
                    "k must be in 1.." + std::to_string(std::min<long long>(ix->n, MMFUSE_KNN_MAX_K)) +
                        ", got " + std::to_string(k));
    }
    return MMFUSE_OK;
}

// Strips MMFUSE_FLAG_LEGACY_FUSED / _TWO_CTA_FUSED / _WGMMA_FUSED / _WGMMA_LEAN_FUSED from *mode into *variant.
int take_variant_flags(const mmfuse_knn_index* ix, int k, int* mode, int* variant) {
    const int all = MMFUSE_FLAG_LEGACY_FUSED | MMFUSE_FLAG_TWO_CTA_FUSED | MMFUSE_FLAG_WGMMA_FUSED |
                    MMFUSE_FLAG_WGMMA_LEAN_FUSED;
    const int flags = *mode & all;
    if ((flags & (flags - 1)) != 0) {
        return fail(MMFUSE_ERR_INVALID_ARGUMENT, "mode carries more than one fused-variant flag");
    }
    if (flags == MMFUSE_FLAG_LEGACY_FUSED) {
        *variant = mmfuse::kFusedLegacy;
    } else if (flags == MMFUSE_FLAG_TWO_CTA_FUSED) {
        *variant = mmfuse::kFusedTwoCta;
    } else if (flags == MMFUSE_FLAG_WGMMA_FUSED || flags == MMFUSE_FLAG_WGMMA_LEAN_FUSED) {
        if (!ix->wgmma) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "the wgmma kernel needs compute capability 9.0");
        }
        if (k > mmfuse::kWarpSelectMaxK) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "the wgmma kernel takes k <= " +
                                                         std::to_string(mmfuse::kWarpSelectMaxK) +
                                                         ", got " + std::to_string(k));
        }
        *variant = flags == MMFUSE_FLAG_WGMMA_FUSED ? mmfuse::kFusedWgmma : mmfuse::kFusedWgmmaLean;
    }
    *mode &= ~all;
    return MMFUSE_OK;
}

// The launch plan of one search on this index (its device's SMs, shared memory and wgmma support).
mmfuse::SearchPlan plan_for(const mmfuse_knn_index* ix, int nq, int k, bool allow_small_q = true,
                            int fused_variant = mmfuse::kFusedDefault) {
    return mmfuse::make_plan(ix->sm_count, ix->smem_optin, nq, ix->n, ix->dp, k, allow_small_q, fused_variant,
                             ix->wgmma);
}

// One chunk on device memory: queries already padded to dp.
int run_chunk(mmfuse_knn_index* ix, Scratch* s, const float* dq, int nq, int k, int mode, int* dids,
              float* ddists, int* dflags, cudaStream_t stream, bool allow_small_q = true,
              int fused_variant = mmfuse::kFusedDefault) {
    const mmfuse::SearchPlan plan = plan_for(ix, nq, k, allow_small_q, fused_variant);
    MMFUSE_CHECK(s->search.ensure(mmfuse::search_scratch_bytes(plan), "allocating search scratch"));
    mmfuse::SearchBuffers buf = mmfuse::carve_search_buffers(plan, s->search.ptr);
    if (dflags != nullptr) {
        buf.flags = dflags;
    }
    MMFUSE_CUDA(mmfuse::launch_search(plan, mode, dq, ix->x, ix->xn, ix->max_norm2, buf, dids,
                                      ddists, stream),
                "launching the k-NN kernels");
    return MMFUSE_OK;
}

int stage_queries(mmfuse_knn_index* ix, Scratch* s, const float* host, int nq) {
    const size_t bytes = static_cast<size_t>(nq) * ix->dp * sizeof(float);
    MMFUSE_CHECK(s->queries.ensure(bytes, "allocating query memory"));
    float* dq = static_cast<float*>(s->queries.ptr);
    if (ix->dp == ix->dim) {
        MMFUSE_CUDA(cudaMemcpyAsync(dq, host, bytes, cudaMemcpyHostToDevice, s->stream), "uploading queries");
    } else {
        MMFUSE_CUDA(cudaMemsetAsync(dq, 0, bytes, s->stream), "clearing query padding");
        MMFUSE_CUDA(cudaMemcpy2DAsync(dq, ix->dp * sizeof(float), host, ix->dim * sizeof(float),
                                      ix->dim * sizeof(float), static_cast<size_t>(nq),
                                      cudaMemcpyHostToDevice, s->stream),
                    "uploading queries");
    }
    return MMFUSE_OK;
}

struct ScratchGuard {
    mmfuse_knn_index* ix;
    Scratch* s = nullptr;
    cudaStream_t used = nullptr;
    ~ScratchGuard() {
        if (s != nullptr) {
            release_scratch(ix, s, used != nullptr ? used : s->stream);
        }
    }
};

}  // namespace

extern "C" {

const char* mmfuse_last_error(void) {
    return g_last_error.c_str();
}

const char* mmfuse_runtime_version(void) {
    static const std::string version = [] {
        int v = 0;
        if (cudaRuntimeGetVersion(&v) != cudaSuccess) {
            cudaGetLastError();
            return std::string("unknown");
        }
        return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
    }();
    return version.c_str();
}

int mmfuse_device_count(int* count) {
    return guarded([&]() -> int {
        if (count == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "count is NULL");
        }
        *count = 0;
        int c = 0;
        cudaError_t e = cudaGetDeviceCount(&c);
        if (e != cudaSuccess) {
            cudaGetLastError();
            if (e == cudaErrorInsufficientDriver) {
                return fail(MMFUSE_ERR_INSUFFICIENT_DRIVER,
                            std::string("no CUDA device: no usable NVIDIA driver (") +
                                cudaGetErrorName(e) + ": " + cudaGetErrorString(e) + ")");
            }
            if (e == cudaErrorNoDevice) {
                return fail(MMFUSE_ERR_NO_DEVICE, std::string("no CUDA device (") + cudaGetErrorName(e) +
                                                      ": " + cudaGetErrorString(e) + ")");
            }
            return fail(MMFUSE_ERR_NO_DEVICE, std::string("no CUDA device: CUDA could not start (") +
                                                  cudaGetErrorName(e) + ": " + cudaGetErrorString(e) + ")");
        }
        int usable = 0;
        std::string skipped;
        for (int d = 0; d < c; ++d) {
            cudaDeviceProp prop;
            if (cudaGetDeviceProperties(&prop, d) != cudaSuccess) {
                cudaGetLastError();
                continue;
            }
            if (usable_device(prop)) {
                ++usable;
            } else {
                skipped += std::string(skipped.empty() ? "" : ", ") + prop.name + " (sm_" +
                           std::to_string(prop.major) + std::to_string(prop.minor) + ", " +
                           std::to_string(prop.sharedMemPerBlockOptin / 1024) + " KB shared memory per block)";
            }
        }
        if (usable == 0) {
            return fail(MMFUSE_ERR_NO_DEVICE,
                        c == 0 ? std::string("no CUDA device: the runtime reports 0 devices")
                               : "no CUDA device of compute capability >= 8.0 with " +
                                     std::to_string(mmfuse::required_smem_per_block() / 1024) +
                                     " KB shared memory per block (found " + skipped + ")");
        }
        *count = usable;
        return MMFUSE_OK;
    });
}

int mmfuse_device_info(int device, char* name, int name_len, int* cc_major, int* cc_minor,
                       long long* total_mem_bytes, int* multiprocessors) {
    return guarded([&]() -> int {
        cudaDeviceProp prop;
        MMFUSE_CUDA(cudaGetDeviceProperties(&prop, device), "reading device properties");
        if (name != nullptr && name_len > 0) {
            std::snprintf(name, static_cast<size_t>(name_len), "%s", prop.name);
        }
        if (cc_major != nullptr) *cc_major = prop.major;
        if (cc_minor != nullptr) *cc_minor = prop.minor;
        if (total_mem_bytes != nullptr) *total_mem_bytes = static_cast<long long>(prop.totalGlobalMem);
        if (multiprocessors != nullptr) *multiprocessors = prop.multiProcessorCount;
        return MMFUSE_OK;
    });
}

int mmfuse_knn_create(int device, int dim, mmfuse_knn_index** out) {
    return guarded([&]() -> int {
        if (out == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "out is NULL");
        }
        *out = nullptr;
        if (dim < 1) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "dim must be >= 1, got " + std::to_string(dim));
        }
        int count = 0;
        MMFUSE_CHECK(mmfuse_device_count(&count));
        int all = 0;
        MMFUSE_CUDA(cudaGetDeviceCount(&all), "counting devices");
        if (device < 0 || device >= all) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "no CUDA device with index " + std::to_string(device));
        }
        cudaDeviceProp prop;
        MMFUSE_CUDA(cudaGetDeviceProperties(&prop, device), "reading device properties");
        if (!usable_device(prop)) {
            return fail(MMFUSE_ERR_NO_DEVICE, std::string("no CUDA device: ") + prop.name +
                                                  " lacks compute capability 8.0 or " +
                                                  std::to_string(mmfuse::required_smem_per_block() / 1024) +
                                                  " KB shared memory per block");
        }
        MMFUSE_CHECK(use_device(device));
        mmfuse_knn_index* ix = new mmfuse_knn_index();
        ix->device = device;
        ix->dim = dim;
        ix->dp = padded_dim(dim);
        ix->sm_count = prop.multiProcessorCount;
        ix->smem_optin = prop.sharedMemPerBlockOptin;
        ix->wgmma = prop.major == 9 && prop.minor == 0 && mmfuse::wgmma_fused_supported();
        cudaError_t e = cudaStreamCreateWithFlags(&ix->stream, cudaStreamNonBlocking);
        if (e == cudaSuccess) {
            e = cudaMalloc(&ix->max_norm2, sizeof(float));
        }
        if (e == cudaSuccess) {
            e = cudaMemset(ix->max_norm2, 0, sizeof(float));
        }
        if (e != cudaSuccess) {
            mmfuse_knn_destroy(ix);
            return from_cuda(e, "creating the index");
        }
        *out = ix;
        return MMFUSE_OK;
    });
}

int mmfuse_knn_destroy(mmfuse_knn_index* ix) {
    if (ix == nullptr) {
        return MMFUSE_OK;
    }
    return guarded([&]() -> int {
        cudaSetDevice(ix->device);
        for (Scratch* s : ix->all) {
            cudaEventSynchronize(s->done);
            delete s;
        }
        ix->all.clear();
        ix->pool.clear();
        if (ix->stream != nullptr) {
            cudaStreamSynchronize(ix->stream);
        }
        cudaFree(ix->x);
        cudaFree(ix->xn);
        cudaFree(ix->max_norm2);
        if (ix->stream != nullptr) {
            cudaStreamDestroy(ix->stream);
        }
        delete ix;
        cudaError_t e = cudaGetLastError();
        if (e != cudaSuccess) {
            return from_cuda(e, "freeing the index");
        }
        return MMFUSE_OK;
    });
}

int mmfuse_knn_dim(const mmfuse_knn_index* ix) {
    return ix == nullptr ? 0 : ix->dim;
}

long long mmfuse_knn_size(const mmfuse_knn_index* ix) {
    return ix == nullptr ? 0 : ix->n;
}

long long mmfuse_knn_capacity(const mmfuse_knn_index* ix) {
    return ix == nullptr ? 0 : ix->cap;
}

int mmfuse_knn_reserve(mmfuse_knn_index* ix, long long rows) {
    return guarded([&]() -> int {
        if (ix == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "index is NULL");
        }
        if (rows < 0 || rows > 0x7fffffffLL) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "rows must be in 0..2^31-1, got " + std::to_string(rows));
        }
        MMFUSE_CHECK(use_device(ix->device));
        MMFUSE_CHECK(wait_searches(ix));
        return grow(ix, rows);
    });
}

int mmfuse_knn_add(mmfuse_knn_index* ix, const float* host_rows, long long n) {
    return guarded([&]() -> int {
        if (ix == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "index is NULL");
        }
        if (n < 0 || ix->n + n > 0x7fffffffLL) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT,
                        "cannot add " + std::to_string(n) + " rows to " + std::to_string(ix->n) +
                            " (ids are 31-bit)");
        }
        if (n == 0) {
            return MMFUSE_OK;
        }
        if (host_rows == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "rows is NULL");
        }
        MMFUSE_CHECK(use_device(ix->device));
        MMFUSE_CHECK(wait_searches(ix));
        MMFUSE_CHECK(grow(ix, ix->n + n));
        MMFUSE_CHECK(upload_rows(ix, ix->n, host_rows, n, ix->n + n));
        ix->n += n;
        return MMFUSE_OK;
    });
}

int mmfuse_knn_set(mmfuse_knn_index* ix, long long first, const float* host_rows, long long n) {
    return guarded([&]() -> int {
        if (ix == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "index is NULL");
        }
        if (first < 0 || n < 0 || first + n > ix->n) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT,
                        "rows [" + std::to_string(first) + ", " + std::to_string(first + n) +
                            ") are not all in 0.." + std::to_string(ix->n));
        }
        if (n == 0) {
            return MMFUSE_OK;
        }
        if (host_rows == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "rows is NULL");
        }
        MMFUSE_CHECK(use_device(ix->device));
        MMFUSE_CHECK(wait_searches(ix));
        return upload_rows(ix, first, host_rows, n, ix->n);
    });
}

int mmfuse_knn_scratch_bytes(const mmfuse_knn_index* ix, int nq, int k, long long* bytes) {
    return guarded([&]() -> int {
        MMFUSE_CHECK(check_search_args(ix, nq, k));
        if (bytes == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "bytes is NULL");
        }
        *bytes = static_cast<long long>(
            mmfuse::search_scratch_bytes(plan_for(ix, nq, k)));
        return MMFUSE_OK;
    });
}

int mmfuse_knn_uses_small_q(const mmfuse_knn_index* ix, int nq, int k, int* small_q) {
    return guarded([&]() -> int {
        MMFUSE_CHECK(check_search_args(ix, nq, k));
        if (small_q == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "small_q is NULL");
        }
        *small_q = plan_for(ix, nq, k).small_q ? 1 : 0;
        return MMFUSE_OK;
    });
}

int mmfuse_knn_search_device(mmfuse_knn_index* ix, const float* queries, int nq, int k, int mode,
                             int* ids, float* dists, int* inexact_flags, void* stream) {
    return guarded([&]() -> int {
        MMFUSE_CHECK(check_search_args(ix, nq, k));
        if (mode != MMFUSE_MODE_TF32 && mode != MMFUSE_MODE_3XTF32) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "mode must be TF32 or 3XTF32 on device memory");
        }
        if (nq == 0) {
            return MMFUSE_OK;
        }
        if (queries == nullptr || ids == nullptr || dists == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "queries, ids and dists must not be NULL");
        }
        MMFUSE_CHECK(use_device(ix->device));
        cudaStream_t st = static_cast<cudaStream_t>(stream);
        ScratchGuard guard{ix};
        MMFUSE_CHECK(acquire_scratch(ix, &guard.s));
        guard.used = st;
        MMFUSE_CUDA(cudaStreamWaitEvent(st, guard.s->done, 0), "ordering the search");
        const float* dq = queries;
        if (ix->dp != ix->dim) {
            // The kernels read rows with a padded stride; repack into scratch.
            const size_t bytes = static_cast<size_t>(nq) * ix->dp * sizeof(float);
            MMFUSE_CHECK(guard.s->queries.ensure(bytes, "allocating query memory"));
            float* packed = static_cast<float*>(guard.s->queries.ptr);
            MMFUSE_CUDA(cudaMemsetAsync(packed, 0, bytes, st), "clearing query padding");
            MMFUSE_CUDA(cudaMemcpy2DAsync(packed, ix->dp * sizeof(float), queries,
                                          ix->dim * sizeof(float), ix->dim * sizeof(float),
                                          static_cast<size_t>(nq), cudaMemcpyDeviceToDevice, st),
                        "repacking queries");
            dq = packed;
        }
        return run_chunk(ix, guard.s, dq, nq, k, mode, ids, dists, inexact_flags, st);
    });
}

int mmfuse_knn_search(mmfuse_knn_index* ix, const float* host_queries, int nq, int k, int mode,
                      int* host_ids, float* host_dists, int* inexact) {
    return guarded([&]() -> int {
        MMFUSE_CHECK(check_search_args(ix, nq, k));
        int fused_variant = mmfuse::kFusedDefault;
        MMFUSE_CHECK(take_variant_flags(ix, k, &mode, &fused_variant));
        if (mode < MMFUSE_MODE_TF32 || mode > MMFUSE_MODE_AUTO) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "unknown mode " + std::to_string(mode));
        }
        if (inexact != nullptr) {
            *inexact = 0;
        }
        if (nq == 0) {
            return MMFUSE_OK;
        }
        if (host_queries == nullptr || host_ids == nullptr || host_dists == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "queries, ids and dists must not be NULL");
        }
        MMFUSE_CHECK(use_device(ix->device));
        ScratchGuard guard{ix};
        MMFUSE_CHECK(acquire_scratch(ix, &guard.s));
        Scratch* s = guard.s;
        MMFUSE_CUDA(cudaStreamWaitEvent(s->stream, s->done, 0), "ordering the search");
        const int chunk = std::min(nq, kMaxChunk);
        MMFUSE_CHECK(s->ids.ensure(static_cast<size_t>(chunk) * k * sizeof(int), "allocating result memory"));
        MMFUSE_CHECK(s->dists.ensure(static_cast<size_t>(chunk) * k * sizeof(float), "allocating result memory"));
        std::vector<int> flags(static_cast<size_t>(chunk));
        int total_inexact = 0;
        for (int c0 = 0; c0 < nq; c0 += chunk) {
            const int nc = std::min(chunk, nq - c0);
            MMFUSE_CHECK(stage_queries(ix, s, host_queries + static_cast<size_t>(c0) * ix->dim, nc));
            const float* dq = static_cast<const float*>(s->queries.ptr);
            int* dids = static_cast<int*>(s->ids.ptr);
            float* ddists = static_cast<float*>(s->dists.ptr);
            int bad = 0;
            int run_mode = mode == MMFUSE_MODE_AUTO ? MMFUSE_MODE_TF32 : mode;
            for (;;) {
                MMFUSE_CHECK(run_chunk(ix, s, dq, nc, k, run_mode, dids, ddists, nullptr, s->stream,
                                       true, fused_variant));
                mmfuse::SearchPlan plan = plan_for(ix, nc, k, true, fused_variant);
                const int* dflags = mmfuse::carve_search_buffers(plan, s->search.ptr).flags;
                MMFUSE_CUDA(cudaMemcpyAsync(flags.data(), dflags, nc * sizeof(int),
                                            cudaMemcpyDeviceToHost, s->stream),
                            "reading search flags");
                MMFUSE_CUDA(cudaMemcpyAsync(host_ids + static_cast<size_t>(c0) * k, dids,
                                            static_cast<size_t>(nc) * k * sizeof(int),
                                            cudaMemcpyDeviceToHost, s->stream),
                            "reading ids");
                MMFUSE_CUDA(cudaMemcpyAsync(host_dists + static_cast<size_t>(c0) * k, ddists,
                                            static_cast<size_t>(nc) * k * sizeof(float),
                                            cudaMemcpyDeviceToHost, s->stream),
                            "reading distances");
                MMFUSE_CUDA(cudaStreamSynchronize(s->stream), "running the search");
                bad = 0;
                for (int i = 0; i < nc; ++i) {
                    bad += flags[static_cast<size_t>(i)] != 0;
                }
                if (bad == 0 || mode != MMFUSE_MODE_AUTO || run_mode == MMFUSE_MODE_3XTF32) {
                    break;
                }
                // Masses of near-equal TF32 distances: the 3xTF32 window is ~10x narrower.
                run_mode = MMFUSE_MODE_3XTF32;
            }
            total_inexact += bad;
        }
        if (inexact != nullptr) {
            *inexact = total_inexact;
        }
        return MMFUSE_OK;
    });
}

int mmfuse_knn_distances(mmfuse_knn_index* ix, const float* host_queries, int nq, float* host_out) {
    return guarded([&]() -> int {
        if (ix == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "index is NULL");
        }
        if (nq < 0) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "nq must be >= 0");
        }
        if (nq == 0 || ix->n == 0) {
            return MMFUSE_OK;
        }
        if (host_queries == nullptr || host_out == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "queries and out must not be NULL");
        }
        MMFUSE_CHECK(use_device(ix->device));
        ScratchGuard guard{ix};
        MMFUSE_CHECK(acquire_scratch(ix, &guard.s));
        Scratch* s = guard.s;
        MMFUSE_CUDA(cudaStreamWaitEvent(s->stream, s->done, 0), "ordering the search");
        const size_t row_bytes = static_cast<size_t>(ix->n) * sizeof(float);
        const int chunk = static_cast<int>(std::max<size_t>(1, std::min<size_t>(
            static_cast<size_t>(std::min(nq, 65535 * 16)), kDistanceChunkBytes / row_bytes)));
        MMFUSE_CHECK(s->dists.ensure(static_cast<size_t>(chunk) * row_bytes, "allocating distance memory"));
        for (int c0 = 0; c0 < nq; c0 += chunk) {
            const int nc = std::min(chunk, nq - c0);
            MMFUSE_CHECK(stage_queries(ix, s, host_queries + static_cast<size_t>(c0) * ix->dim, nc));
            float* dout = static_cast<float*>(s->dists.ptr);
            MMFUSE_CUDA(mmfuse::launch_pairwise(static_cast<const float*>(s->queries.ptr), nc, ix->dp,
                                                ix->x, ix->n, ix->dp, ix->dp, dout, ix->n, s->stream),
                        "launching the distance kernel");
            MMFUSE_CUDA(cudaMemcpyAsync(host_out + static_cast<size_t>(c0) * ix->n, dout,
                                        static_cast<size_t>(nc) * row_bytes, cudaMemcpyDeviceToHost,
                                        s->stream),
                        "reading distances");
            MMFUSE_CUDA(cudaStreamSynchronize(s->stream), "computing distances");
        }
        return MMFUSE_OK;
    });
}

int mmfuse_pairwise_sqdist(const float* queries, int nq, const float* x, long long n, int dim,
                           float* out, void* stream) {
    return guarded([&]() -> int {
        if (nq < 0 || n < 0 || dim < 1) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "need nq >= 0, n >= 0, dim >= 1");
        }
        if (nq == 0 || n == 0) {
            return MMFUSE_OK;
        }
        if (queries == nullptr || x == nullptr || out == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "queries, x and out must not be NULL");
        }
        MMFUSE_CUDA(mmfuse::launch_pairwise(queries, nq, dim, x, n, dim, dim, out, n,
                                            static_cast<cudaStream_t>(stream)),
                    "launching the distance kernel");
        return MMFUSE_OK;
    });
}

int mmfuse_knn_time_search(mmfuse_knn_index* ix, const float* host_queries, int nq, int k, int mode,
                           int warmup, int iters, float* ms_out) {
    return guarded([&]() -> int {
        MMFUSE_CHECK(check_search_args(ix, nq, k));
        if (nq < 1 || nq > kMaxChunk || warmup < 0 || iters < 1 || host_queries == nullptr ||
            ms_out == nullptr) {
            return fail(MMFUSE_ERR_INVALID_ARGUMENT, "need 1 <= nq <= 16384, warmup >= 0, iters >= 1");
        }
        const bool allow_small_q = (mode & MMFUSE_FLAG_FUSED_ONLY) == 0;
        mode &= ~MMFUSE_FLAG_FUSED_ONLY;
        int fused_variant = mmfuse::kFusedDefault;
        MMFUSE_CHECK(take_variant_flags(ix, k, &mode, &fused_variant));
        const int run_mode = mode == MMFUSE_MODE_3XTF32 ? MMFUSE_MODE_3XTF32 : MMFUSE_MODE_TF32;
        MMFUSE_CHECK(use_device(ix->device));
        ScratchGuard guard{ix};
        MMFUSE_CHECK(acquire_scratch(ix, &guard.s));
        Scratch* s = guard.s;
        MMFUSE_CUDA(cudaStreamWaitEvent(s->stream, s->done, 0), "ordering the search");
        MMFUSE_CHECK(s->ids.ensure(static_cast<size_t>(nq) * k * sizeof(int), "allocating result memory"));
        MMFUSE_CHECK(s->dists.ensure(static_cast<size_t>(nq) * k * sizeof(float), "allocating result memory"));
        MMFUSE_CHECK(stage_queries(ix, s, host_queries, nq));
        cudaEvent_t start = nullptr;
        cudaEvent_t stop = nullptr;
        MMFUSE_CUDA(cudaEventCreate(&start), "creating events");
        cudaError_t e = cudaEventCreate(&stop);
        if (e != cudaSuccess) {
            cudaEventDestroy(start);
            return from_cuda(e, "creating events");
        }
        int status = MMFUSE_OK;
        for (int i = 0; i < warmup + iters && status == MMFUSE_OK; ++i) {
            if (i >= warmup) {
                cudaEventRecord(start, s->stream);
            }
            status = run_chunk(ix, s, static_cast<const float*>(s->queries.ptr), nq, k, run_mode,
                               static_cast<int*>(s->ids.ptr), static_cast<float*>(s->dists.ptr),
                               nullptr, s->stream, allow_small_q, fused_variant);
            if (status == MMFUSE_OK && i >= warmup) {
                cudaEventRecord(stop, s->stream);
                e = cudaEventSynchronize(stop);
                if (e != cudaSuccess) {
                    status = from_cuda(e, "timing the search");
                } else {
                    cudaEventElapsedTime(&ms_out[i - warmup], start, stop);
                }
            } else if (status == MMFUSE_OK) {
                e = cudaStreamSynchronize(s->stream);
                if (e != cudaSuccess) {
                    status = from_cuda(e, "warming up the search");
                }
            }
        }
        cudaEventDestroy(start);
        cudaEventDestroy(stop);
        return status;
    });
}

}  // extern "C"
