// Device helpers shared by the k-NN kernels: sortable (distance, id) keys, block-wide bitonic
// sort, the candidate-window selection, cp.async and TF32 mma wrappers.
#pragma once

#include <cstdint>
#include <cuda_runtime.h>

namespace mmfuse {

// A candidate is one 64-bit key: order-preserving bits of the float distance in the high word,
// the database id in the low word. Comparing keys as unsigned integers is comparing
// (distance, id) lexicographically, which is the tie rule (lower id first) for free.
__device__ __forceinline__ uint32_t float_to_ordered(float f) {
    uint32_t u = __float_as_uint(f);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

__device__ __forceinline__ float ordered_to_float(uint32_t u) {
    return __uint_as_float((u & 0x80000000u) ? (u & 0x7fffffffu) : ~u);
}

__device__ __forceinline__ uint64_t make_key(float dist, uint32_t id) {
    // +0.0f folds -0 into +0 so that both zeros tie and fall back to the id.
    return (static_cast<uint64_t>(float_to_ordered(dist + 0.0f)) << 32) | id;
}

__device__ __forceinline__ float key_dist(uint64_t key) {
    return ordered_to_float(static_cast<uint32_t>(key >> 32));
}

__device__ __forceinline__ uint32_t key_id(uint64_t key) {
    return static_cast<uint32_t>(key);
}

constexpr uint64_t kPadKey = ~0ull;

// Ascending bitonic sort of n (a power of two) keys in shared memory by the whole block.
// Ends with a barrier.
template <int NT>
__device__ void block_bitonic_sort(uint64_t* s, int n, int tid) {
    for (int size = 2; size <= n; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int i = tid; i < (n >> 1); i += NT) {
                int lo = 2 * i - (i & (stride - 1));
                int hi = lo + stride;
                bool ascending = (lo & size) == 0;
                uint64_t a = s[lo];
                uint64_t b = s[hi];
                if ((a > b) == ascending) {
                    s[lo] = b;
                    s[hi] = a;
                }
            }
            __syncthreads();
        }
    }
}

// Sorts consecutive segments of seg keys (seg a power of two, total a multiple of seg), each
// ascending, with the whole block: one barrier per network stage however many segments there are.
// Ends with a barrier.
template <int NT>
__device__ void block_segmented_bitonic_sort(uint64_t* s, int total, int seg, int tid) {
    for (int size = 2; size <= seg; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            for (int i = tid; i < (total >> 1); i += NT) {
                const int lo = 2 * i - (i & (stride - 1));
                const int hi = lo + stride;
                // Segments start at multiples of seg, so (lo & size) is the in-segment direction;
                // the last merge of each segment is ascending.
                const bool ascending = size == seg || (lo & size) == 0;
                const uint64_t a = s[lo];
                const uint64_t b = s[hi];
                if ((a > b) == ascending) {
                    s[lo] = b;
                    s[hi] = a;
                }
            }
            __syncthreads();
        }
    }
}

// Warp-wide minimum of 64-bit keys with two redux.sync (sm_80+): the smallest high word, then
// the smallest low word among the lanes holding it. Five dependent shuffle rounds before; the
// warp trims run k of these back to back (visit 7 profile: trims ~16 % of the wgmma kernel).
__device__ __forceinline__ uint64_t warp_min_u64(uint64_t v) {
    const uint32_t hi = static_cast<uint32_t>(v >> 32);
    const uint32_t min_hi = __reduce_min_sync(0xffffffffu, hi);
    const uint32_t lo = hi == min_hi ? static_cast<uint32_t>(v) : 0xffffffffu;
    const uint32_t min_lo = __reduce_min_sync(0xffffffffu, lo);
    return (static_cast<uint64_t>(min_hi) << 32) | min_lo;
}

// Result of trimming a sorted candidate list to the error window.
struct WindowCut {
    int keep;                   // candidates to keep: a prefix of the sorted list
    uint32_t next_thr_ordered;  // later candidates are admitted iff ordered(dist) < this
    int overflow;               // 1 if the window held more than `limit` candidates and was cut
};

// s[0..n) is sorted ascending and holds at least k real keys. Keeps every candidate whose
// approximate distance is within `window` of the k-th one (the only ones that can be in the exact
// top k, see NOTES.md), at most `limit` of them. All threads get the same answer.
template <int NT>
__device__ WindowCut window_cut(const uint64_t* s, int n, int k, float window, int limit, int tid,
                                int* scratch_int) {
    const float tau = key_dist(s[k - 1]);
    const uint32_t lim = float_to_ordered(__fadd_ru(tau, window) + 0.0f);
    const uint64_t thr_key = (static_cast<uint64_t>(lim) << 32) | 0xffffffffull;
    for (int i = tid; i < n; i += NT) {
        const bool in = s[i] <= thr_key;
        const bool next_in = (i + 1 < n) && s[i + 1] <= thr_key;
        if (in && !next_in) {
            *scratch_int = i + 1;
        }
    }
    __syncthreads();
    const int m = *scratch_int;
    __syncthreads();
    WindowCut cut;
    if (m > limit) {
        cut.keep = limit;
        // Strict from here on: later arrivals have higher ids, so equal distances lose.
        cut.next_thr_ordered = static_cast<uint32_t>(s[limit - 1] >> 32);
        cut.overflow = 1;
    } else {
        cut.keep = m;
        // ordered(d) < lim + 1  <=>  d <= tau + window (lim is at most +inf's pattern).
        cut.next_thr_ordered = lim + 1u;
        cut.overflow = 0;
    }
    return cut;
}

// 16-byte global->shared copy that bypasses L1; src_valid == false writes zeros.
__device__ __forceinline__ void cp_async16(void* smem, const void* gmem, bool src_valid) {
    unsigned s = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    int src_size = src_valid ? 16 : 0;
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(s), "l"(gmem),
                 "r"(src_size));
}

__device__ __forceinline__ void cp_async_commit() {
    asm volatile("cp.async.commit_group;\n" ::);
}

template <int N>
__device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

// Round to nearest TF32 (10 explicit mantissa bits), returned as the 32-bit operand pattern.
__device__ __forceinline__ uint32_t to_tf32(float x) {
    uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(x));
    return r & 0xffffe000u;
}

// x = hi + lo with both parts TF32; |x - hi - lo| <= 2^-22 |x|.
__device__ __forceinline__ void split_tf32(float x, uint32_t& hi, uint32_t& lo) {
    hi = to_tf32(x);
    lo = to_tf32(x - __uint_as_float(hi));
}

// D = A(16x8, row) * B(8x8, col) + D, TF32 inputs, float32 accumulation.
__device__ __forceinline__ void mma_tf32(float (&d)[4], const uint32_t (&a)[4], uint32_t b0,
                                         uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
        "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        v += __shfl_xor_sync(0xffffffffu, v, o);
    }
    return v;
}

}  // namespace mmfuse
