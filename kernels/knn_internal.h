// Internal launch interface between the C API (knn_api.cu) and the kernels (knn_fused.cu,
// knn_aux.cu). Not installed, not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cuda_runtime.h>

namespace mmfuse {

// Tile shape of the fused distance + top-k kernel (see NOTES.md for the choice).
constexpr int kBlockQueries = 128;  // queries per block
constexpr int kBlockRows = 256;     // database rows per tile
constexpr int kFusedThreads = 256;
constexpr int kMergeThreads = 256;
constexpr int kWarpSelectMaxK = 32;  // k up to this trims candidate buffers one warp per row

// Small-batch path (NOTES.md, "Small Q"): nq <= kSmallQMax and k <= kWarpSelectMaxK, queries
// held in shared memory (nq * dp floats <= kSmallQSmemFloats), fp32 SIMT distances streamed over
// the database split across every SM. Selectable off (MMFUSE_FLAG_FUSED_ONLY) for comparisons.
constexpr int kSmallQMax = 16;
// Automatic choice of the small-batch path. Measured on H100 (bench/results/gpu-2026-11-26-h100):
// Q=1 0.42 vs 0.93 ms and Q=4 0.59 vs 0.96 ms favour it, Q=16 2.16 vs 1.00 ms favours the fused
// tensor-core path, so only batches of up to 4 queries take it. (Since the redux.sync trims the
// tensor-core path takes 0.43 ms at Q=4 on H200 against 0.54 here.) H200, visit 12
// (bench/results/gpu-2026-11-27-h200-visit12), small-batch path vs the lean wgmma kernel: Q=1
// 0.30 vs 0.43 ms, Q=2 0.38 vs 0.42, Q=3 0.46 vs 0.41, Q=4 0.54 vs 0.42: up to 2 queries.
constexpr int kSmallQAutoMax = 2;
constexpr int kSmallQThreads = 256;
constexpr int kSmallQSmemFloats = 12 * 1024;   // 48 KB: no opt-in needed

// Tensor-core kernel variants (NOTES.md, "Two blocks per SM"): the 128 x 256 tile with one
// block per SM measured on visits 1-2, and 128 x 128 tiles with two blocks per SM; visit 3 timed
// both, and the constants below pick (MMFUSE_FLAG_LEGACY_FUSED / _TWO_CTA_FUSED force one).
constexpr int kFusedDefault = -1;   // resolved by make_plan from the two constants below
constexpr int kFusedLegacy = 0;
constexpr int kFusedTwoCta = 1;
// Hopper only (compute capability 9.0, sm_90a code in knn_wgmma.cu): 128 x 256 tiles fed to
// wgmma from swizzled shared memory, TF32 and k <= kWarpSelectMaxK (NOTES.md, "wgmma kernel");
// 3xTF32 batches of such a plan run the legacy kernel.
constexpr int kFusedWgmma = 2;
// The wgmma kernel with the leaner epilogue (knn_wgmma.cu, LEAN): 2.61 ms against 2.80 at Q=1024
// k=10 on H200 (bench/results/gpu-2026-11-27-h200-visit12), correct in every case.
constexpr int kFusedWgmmaLean = 3;
constexpr bool is_wgmma_variant(int variant) {
    return variant == kFusedWgmma || variant == kFusedWgmmaLean;
}
// Default on compute capability 9.0 for k <= kWarpSelectMaxK (TF32 passes; 3xTF32 retries of
// AUTO run the legacy kernel). Measured on H200 (bench/results/gpu-2026-11-27-h200.md): Q=1024
// k=10 2.80 ms against 6.56 ms for the two-block kernel, Q=256 0.99 vs 1.94, Q=16 0.49 vs 0.88;
// the lean epilogue 2.61 ms (visit 12), 2.44 ms with visits 18-20's trims and counters (visit 21,
// bench/results/gpu-2026-11-28-h200.md).
constexpr bool kWgmmaByDefault = true;
constexpr int kWgmmaDefaultVariant = kFusedWgmmaLean;
// Visit 3 (bench/results/gpu-2026-11-26-h100-visit3, H100, N=1e6, d=256): two blocks per SM won
// in TF32 at Q=16/256/1024 (k=10: 7.16 -> 6.48 ms at Q=1024; k=100: 12.2 -> 10.5 ms) and lost at
// k=1024 (50.2 -> 59.1 ms) and in explicit 3xTF32 mode (11.6 -> 13.5 ms at Q=1024).
constexpr int kDefaultFusedVariant = kFusedTwoCta;
// With kDefaultFusedVariant = kFusedTwoCta: the largest k that takes it by default (e.g. 100 if
// the visit shows it losing at k = 1024, where it runs one block per SM).
constexpr int kTwoCtaDefaultMaxK = 100;

// Sizes of one search launch, derived from (device, nq, n, k).
struct SearchPlan {
    int nq = 0;
    int k = 0;
    int dp = 0;              // padded dimension (row stride, multiple of 4)
    long long n = 0;
    int query_tiles = 0;
    int slices = 0;          // database slices, one block per (query tile, slice)
    int tiles_per_slice = 0;
    int fused_variant = kFusedLegacy;
    int tile_rows = 0;       // database rows per tile of the tensor-core kernel
    int limit = 0;           // most candidates a (query, slice) keeps after a compaction
    int cap = 0;             // candidate buffer length per (query, slice) = limit + kBlockRows
    bool warp_select = false;  // trim with one warp per row (small k) instead of block sorts
    bool small_q = false;    // SIMT small-batch kernel instead of the tensor-core tiles
    int sq_qmax = 0;         // small_q: query capacity of the kernel instance (1, 4 or 16)
    int sq_rows = 0;         // small_q: database rows per block iteration
    int sort_seg = 0;        // power of two >= cap: one row's segment in the block sort
    int seg_shift = 0;       // log2(sort_seg)
    int sort_space = 0;      // keys of shared sort space for the block path (rows per pass * seg)
    int merge_sort = 0;      // power of two >= limit + kMergeThreads
    size_t fused_smem = 0;
    size_t merge_smem = 0;
};

// Opt-in shared memory per block the fused kernel needs at its largest k (data-center parts:
// A100 has 163 KB, H100/H200 227 KB; consumer parts with 99 KB are not supported).
size_t required_smem_per_block();

// smem_optin: the device's opt-in shared memory per block (sizes the block-path sort space).
// allow_small_q = false forces the tensor-core path (benchmarks time both).
// wgmma: the device runs sm_90a code (compute capability 9.0), so kFusedWgmma may be chosen.
SearchPlan make_plan(int sm_count, size_t smem_optin, int nq, long long n, int dp, int k,
                     bool allow_small_q = true, int fused_variant = kFusedDefault, bool wgmma = false);

// Device scratch for one search launch, carved from a single allocation.
struct SearchBuffers {
    float* qn = nullptr;        // nq query norms
    float* window = nullptr;    // nq candidate windows
    uint64_t* cand = nullptr;   // nq * slices * cap keys
    int* counts = nullptr;      // nq * slices
    int* flags = nullptr;       // nq overflow flags
    float* qr = nullptr;        // two-block plans: nq * dp queries rounded to TF32 (else null)
};

size_t search_scratch_bytes(const SearchPlan& plan);
SearchBuffers carve_search_buffers(const SearchPlan& plan, void* base);

// mode: 0 = TF32, 1 = 3xTF32 (see mmfuse_knn.h); a small_q plan runs fp32 SIMT for both.
cudaError_t launch_search(const SearchPlan& plan, int mode, const float* queries,
                          const float* x, const float* xn, const float* max_norm2,
                          const SearchBuffers& buf, int* ids, float* dists, cudaStream_t stream);

// knn_wgmma.cu: dynamic shared memory of the wgmma kernel and its launch (grid query tiles x
// slices); args as for the other tensor-core kernels, window from the kPrepTf32Trunc bound.
struct FusedArgs;
size_t wgmma_fused_smem_bytes();
bool wgmma_fused_supported();   // the driver exposes the tensor-map encoder the kernel needs
cudaError_t launch_wgmma_fused(const FusedArgs& args, int query_tiles, int slices, bool lean, cudaStream_t stream);

cudaError_t launch_row_norms(const float* x, long long rows, int dp, float* out,
                             cudaStream_t stream);
cudaError_t launch_max_reduce(const float* v, long long n, float* out, cudaStream_t stream);
cudaError_t launch_pairwise(const float* q, int nq, int ldq, const float* x, long long n, int ldx,
                            int dim, float* out, long long ldo, cudaStream_t stream);

}  // namespace mmfuse
