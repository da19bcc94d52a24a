// Device code shared by the tensor-core kernels of knn_fused.cu (mma.sync, sm_80+) and
// knn_wgmma.cu (wgmma, sm_90a only): the kernel arguments, the admission thresholds and the
// one-warp candidate trim.
#pragma once

#include "knn_device.cuh"
#include "knn_internal.h"

namespace mmfuse {

constexpr uint32_t kAdmitAll = 0xffffffffu;   // above every real key's distance bits
constexpr uint32_t kAdmitNone = 0u;

struct FusedArgs {
    const float* q;
    const float* qa;   // A operand source: q, or q rounded to TF32 (two-block TF32 kernel)
    const float* qn;
    const float* window;
    const float* x;
    const float* xn;
    int nq;
    int dp;
    long long n;
    int k;
    int limit;
    int cap;
    int tiles_per_slice;
    int slices;
    int warp_select;   // k <= kWarpSelectMaxK: trim rows with one warp each (cap == kWarpSelectCap)
    int sort_seg;      // block path: power of two >= cap, one row per segment
    int seg_shift;     // log2(sort_seg)
    int sort_space;    // block path: keys of shared sort space, a multiple of sort_seg
    uint64_t* cand;
    int* counts;
    int* flags;
};

constexpr int kWarpSelectCap = 384;                 // limit 128 + one tile of 256
constexpr int kWarpSelectPerLane = kWarpSelectCap / 32;
static_assert(kWarpSelectCap == 128 + kBlockRows, "warp selection holds one row's whole buffer");

// Trims one row's candidate buffer (count > limit keys, unsorted) to its k best plus every
// candidate within `window` of the k-th, with one warp and no block barrier, so that the eight
// warps trim eight rows at once. The k-th smallest comes from k rounds of warp-wide minimum
// (keys are unique), the survivors are compacted with ballots; the buffer stays unsorted.
inline __device__ void warp_compact(uint64_t* gbuf, int count, int k, float window, int limit, int lane,
                             int* cnt_out, uint32_t* thr_out, int* ovf_out) {
    uint64_t key[kWarpSelectPerLane];
#pragma unroll
    for (int j = 0; j < kWarpSelectPerLane; ++j) {
        const int i = lane + 32 * j;
        key[j] = i < count ? gbuf[i] : kPadKey;
    }
    // Keys are never 0 (that would need distance bits 0xffffffff, a NaN), so 0 is "below all".
    uint64_t kth = 0;
    for (int round = 0; round < k; ++round) {
        uint64_t m = kPadKey;
#pragma unroll
        for (int j = 0; j < kWarpSelectPerLane; ++j) {
            m = (key[j] > kth && key[j] < m) ? key[j] : m;
        }
        kth = warp_min_u64(m);
    }
    const uint32_t lim = float_to_ordered(__fadd_ru(key_dist(kth), window) + 0.0f);
    uint64_t keep_max = (static_cast<uint64_t>(lim) << 32) | 0xffffffffull;
    int total = 0;
#pragma unroll
    for (int j = 0; j < kWarpSelectPerLane; ++j) {
        total += __popc(__ballot_sync(0xffffffffu, key[j] <= keep_max));
    }
    uint32_t next_thr = lim + 1u;
    int overflow = 0;
    if (total > limit) {
        // A mass of near-equal distances: keep exactly the `limit` smallest keys.
        uint64_t last = kth;
        for (int round = k; round < limit; ++round) {
            uint64_t m = kPadKey;
#pragma unroll
            for (int j = 0; j < kWarpSelectPerLane; ++j) {
                m = (key[j] > last && key[j] < m) ? key[j] : m;
            }
            last = warp_min_u64(m);
        }
        keep_max = last;
        total = limit;
        next_thr = static_cast<uint32_t>(last >> 32);   // strict: later equal distances lose
        overflow = 1;
    }
    __syncwarp();
    const unsigned below = (1u << lane) - 1u;
    int base = 0;
#pragma unroll
    for (int j = 0; j < kWarpSelectPerLane; ++j) {
        const bool keep = key[j] <= keep_max;
        const unsigned votes = __ballot_sync(0xffffffffu, keep);
        if (keep) {
            gbuf[base + __popc(votes & below)] = key[j];
        }
        base += __popc(votes);
    }
    if (lane == 0) {
        *cnt_out = total;
        *thr_out = next_thr;
        *ovf_out |= overflow;
    }
}

// End of a tensor-core block: each of its BMQ query rows' candidate count for this slice, and the
// query's overflow flag when a trim had to cut its window.
template <int BMQ, int NTHREADS>
__device__ __forceinline__ void write_slice_counts(const FusedArgs& p, int q0, int slice, int tid, const int* cnt_s,
                                                   const int* ovf_s) {
    for (int r = tid; r < BMQ; r += NTHREADS) {
        if (q0 + r < p.nq) {
            p.counts[static_cast<long long>(q0 + r) * p.slices + slice] = cnt_s[r];
            if (ovf_s[r]) {
                p.flags[q0 + r] = 1;
            }
        }
    }
}

}  // namespace mmfuse
