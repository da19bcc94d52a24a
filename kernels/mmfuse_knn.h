/*
 * mmfuse CUDA k-nearest-neighbour kernels: C API.
 *
 * Exact k-NN by squared L2 distance over a device-resident database. The header needs no CUDA
 * headers (streams are passed as void*), so JNI glue and plain C++ can include it as is.
 *
 * Conventions
 *  - Every function returns an int status (MMFUSE_OK or an MMFUSE_ERR_* code); on failure
 *    mmfuse_last_error() returns a message for the calling thread (thread-local, valid until the
 *    thread's next call into this library). Nothing here prints or exits.
 *  - Host pointers are row-major float32 (rows x dim, no padding). "Device" functions take device
 *    pointers and a cudaStream_t passed as void* (NULL = legacy default stream).
 *  - Results: ascending squared distance, ties broken by lower database id. The distances and the
 *    order are computed exactly in float32 as sum((x - q)^2) over the candidates that a proven
 *    error bound cannot exclude (see bench/gpu/NOTES.md), so the top-k equals a float64 reference
 *    except for distances that tie within float32 rounding.
 *  - Thread safety: searches on one index may run concurrently from several threads; add/set/
 *    destroy must not run concurrently with anything else on the same index.
 */
#ifndef MMFUSE_KNN_H
#define MMFUSE_KNN_H

#ifdef __cplusplus
extern "C" {
#endif

#define MMFUSE_OK 0
#define MMFUSE_ERR_INVALID_ARGUMENT 1
#define MMFUSE_ERR_NO_DEVICE 2
#define MMFUSE_ERR_INSUFFICIENT_DRIVER 3
#define MMFUSE_ERR_OUT_OF_MEMORY 4
#define MMFUSE_ERR_CUDA 5
#define MMFUSE_ERR_INTERNAL 6

/** Largest k the fused top-k kernels accept. */
#define MMFUSE_KNN_MAX_K 1024

/** Distance pass on TF32 tensor cores (one product per element), exact float32 re-rank. */
#define MMFUSE_MODE_TF32 0
/** Distance pass as three TF32 products (hi*hi + hi*lo + lo*hi, float32-level), exact re-rank. */
#define MMFUSE_MODE_3XTF32 1
/** TF32 first; if any query's candidate window overflowed, redo the batch in 3xTF32. Default. */
#define MMFUSE_MODE_AUTO 2

/**
 * mmfuse_knn_time_search only: OR-ed into mode, forces the tensor-core path even where the
 * small-batch path (nq <= 16, k <= 32: fp32 SIMT streaming, see bench/gpu/NOTES.md) would run,
 * so that a benchmark can time both.
 */
#define MMFUSE_FLAG_FUSED_ONLY 16
/**
 * mmfuse_knn_search and mmfuse_knn_time_search: OR-ed into mode, picks the tensor-core kernel
 * variant (bench/gpu/NOTES.md): LEGACY = 128 x 256 tiles, one block per SM (visits 1-2);
 * TWO_CTA = 128 x 128 tiles, two blocks per SM. Neither: the library default. Both: invalid.
 * Results are exact either way; the flags exist so that benchmarks and self-tests cover both.
 */
#define MMFUSE_FLAG_LEGACY_FUSED 32
#define MMFUSE_FLAG_TWO_CTA_FUSED 64
/**
 * WGMMA = 128 x 256 tiles on Hopper's asynchronous warpgroup tensor-core instructions; only on
 * compute capability 9.0 and for k <= 32 (MMFUSE_ERR_INVALID_ARGUMENT otherwise). At most one of
 * the four variant flags.
 */
#define MMFUSE_FLAG_WGMMA_FUSED 128
/** WGMMA with the leaner epilogue (same results by construction; the default where WGMMA runs). */
#define MMFUSE_FLAG_WGMMA_LEAN_FUSED 256

typedef struct mmfuse_knn_index mmfuse_knn_index;

/** Message for the last failed call on this thread ("" if none). */
const char* mmfuse_last_error(void);

/** Version string of the CUDA runtime this library was built with, e.g. "13.0". */
const char* mmfuse_runtime_version(void);

/**
 * Number of usable CUDA devices. No device or a missing/old driver is not an exception here:
 * *count is set to 0 and MMFUSE_ERR_NO_DEVICE / MMFUSE_ERR_INSUFFICIENT_DRIVER is returned with
 * the reason in mmfuse_last_error().
 */
int mmfuse_device_count(int* count);

/** Name (NUL-terminated, truncated to name_len), compute capability, memory and SM count. */
int mmfuse_device_info(int device, char* name, int name_len, int* cc_major, int* cc_minor,
                       long long* total_mem_bytes, int* multiprocessors);

/** Creates an empty index of dimension dim on the given device. */
int mmfuse_knn_create(int device, int dim, mmfuse_knn_index** out);

/** Frees all device memory of the index. NULL is accepted. */
int mmfuse_knn_destroy(mmfuse_knn_index* index);

int mmfuse_knn_dim(const mmfuse_knn_index* index);
long long mmfuse_knn_size(const mmfuse_knn_index* index);
long long mmfuse_knn_capacity(const mmfuse_knn_index* index);

/** Ensures room for rows vectors without reallocation. */
int mmfuse_knn_reserve(mmfuse_knn_index* index, long long rows);

/**
 * Appends n rows (host, n x dim). Existing rows stay on the device; capacity grows
 * geometrically, so a sequence of appends costs amortised O(rows appended).
 */
int mmfuse_knn_add(mmfuse_knn_index* index, const float* host_rows, long long n);

/** Replaces rows [first, first + n) with host rows (n x dim). */
int mmfuse_knn_set(mmfuse_knn_index* index, long long first, const float* host_rows, long long n);

/**
 * k nearest rows for each of nq host queries (nq x dim); writes nq x k ids and distances to host
 * memory. 1 <= k <= min(size, MMFUSE_KNN_MAX_K). mode is one of MMFUSE_MODE_*. inexact (may be
 * NULL) receives the number of queries for which the candidate window was capped (pathological
 * masses of near-equal distances); their result is still sorted and exact among the kept
 * candidates. Large batches are processed in chunks that fit device memory.
 */
int mmfuse_knn_search(mmfuse_knn_index* index, const float* host_queries, int nq, int k, int mode,
                      int* host_ids, float* host_dists, int* inexact);

/**
 * Same on device memory, asynchronous on stream: queries (nq x dim row-major, device), ids and
 * dists (nq x k, device), inexact_flags (nq ints, device, may be NULL; set to 1 for capped
 * queries). mode must be TF32 or 3XTF32 (AUTO needs a host round trip). nq is not chunked: the
 * caller sizes it (mmfuse_knn_scratch_bytes says how much device memory one call takes).
 */
int mmfuse_knn_search_device(mmfuse_knn_index* index, const float* queries, int nq, int k,
                             int mode, int* ids, float* dists, int* inexact_flags, void* stream);

/** Device scratch bytes that one search_device call of nq queries and this k allocates. */
int mmfuse_knn_scratch_bytes(const mmfuse_knn_index* index, int nq, int k, long long* bytes);

/**
 * Full squared-distance rows: out (host, nq x size) = sum((x - q)^2) in float32 for every stored
 * row, computed directly (no norm expansion). Used for k > MMFUSE_KNN_MAX_K.
 */
int mmfuse_knn_distances(mmfuse_knn_index* index, const float* host_queries, int nq,
                         float* host_out);

/**
 * Plain pairwise squared distances on device memory: out[i*n + j] = sum_t (q[i,t] - x[j,t])^2,
 * float32 accumulation, q (nq x dim), x (n x dim), all row-major device pointers.
 */
int mmfuse_pairwise_sqdist(const float* queries, int nq, const float* x, long long n, int dim,
                           float* out, void* stream);

/** *small_q = 1 if a search of nq queries and this k takes the small-batch path, else 0. */
int mmfuse_knn_uses_small_q(const mmfuse_knn_index* index, int nq, int k, int* small_q);

/**
 * Benchmark helper: uploads the host queries once, then times iters calls of the device search
 * (after warmup untimed calls) with CUDA events; ms_out receives iters per-call times in
 * milliseconds. mode may carry MMFUSE_FLAG_FUSED_ONLY.
 */
int mmfuse_knn_time_search(mmfuse_knn_index* index, const float* host_queries, int nq, int k,
                           int mode, int warmup, int iters, float* ms_out);

#ifdef __cplusplus
}
#endif

#endif /* MMFUSE_KNN_H */
