// Fused squared-L2 distance + top-k on TF32 tensor cores, with an exact float32 re-rank.
//
// Three launches per search (NOTES.md has the design and the error bound):
//  1. prep_queries: query norms and each query's candidate window W (a proven bound on
//     |approximate - exact| distance, doubled).
//  2. fused_knn: one block per (128-query tile, database slice). The slice is streamed in
//     256-row tiles through a 4-stage cp.async pipeline; mma.sync TF32 (or 3xTF32) produces the
//     128x256 dot-product tile in registers, the epilogue turns it into approximate distances
//     and appends only those below the query's running threshold to a small per-(query, slice)
//     candidate buffer. When a buffer fills it is trimmed to the k best plus every candidate
//     within W of the k-th (one warp per row for k <= 32, batched block sorts above). The
//     Q x N distance matrix never exists in memory.
//  3. merge_rerank: one block per query merges its slices' candidates the same way, recomputes
//     the survivors' distances exactly as sum((x - q)^2) in float32, sorts (distance, id) and
//     writes the top k.
#include "knn_device.cuh"
#include "knn_fused_common.cuh"
#include "knn_internal.h"

#include <algorithm>

namespace mmfuse {
namespace {

constexpr int BM = kBlockQueries;
constexpr int NT = kFusedThreads;
constexpr int WM = 64;
constexpr int MT = WM / 16;   // m16 tiles per warp
constexpr int MNT = kMergeThreads;

// Tile shapes of the fused kernel (NOTES.md, "Two blocks per SM"). Both have 8 warps as
// 2 (queries) x 4 (rows) and 128 queries per block.
//  - Legacy: 128 x 256 block tile, 64 x 64 warp tiles (232 registers), one block per SM.
//  - TwoCta: 128 x 128 block tile, 64 x 32 warp tiles (<= 128 registers) and 80 KB of stages,
//    so two blocks (16 warps) share an SM and one block's barriers and shared-memory waits are
//    hidden by the other's MMAs.
struct LegacyTile {
    static constexpr int BN = kBlockRows;
    static constexpr int WN = 64;
    static constexpr int BK = 16;
    static constexpr int STAGES = 4;
    static constexpr int MIN_BLOCKS = 1;
};
struct TwoCtaTile {
    static constexpr int BN = 128;
    static constexpr int WN = 32;
    static constexpr int BK = 16;
    static constexpr int STAGES = 4;
    static constexpr int MIN_BLOCKS = 2;
};

template <class C>
struct TileDims {
    static constexpr int BN = C::BN;
    static constexpr int WN = C::WN;
    static constexpr int BK = C::BK;
    static constexpr int STAGES = C::STAGES;
    static constexpr int WARPS_N = BN / WN;
    static constexpr int NTL = WN / 8;   // n8 tiles per warp
    static constexpr int LDS = BK + 4;   // padded smem row: conflict-free fragment loads
    static constexpr int STAGE_FLOATS = (BM + BN) * LDS;
    static constexpr size_t STAGE_BYTES = static_cast<size_t>(STAGES) * STAGE_FLOATS * sizeof(float);
    static_assert(NT == 32 * (BM / WM) * WARPS_N, "warp layout");
    static_assert((BM * BK / 4) % NT == 0 && (BN * BK / 4) % NT == 0, "cp.async split");
    static_assert(BN <= kBlockRows, "a tile appends at most cap - limit keys per row");
};

__host__ __device__ inline int next_pow2(int v) {
    int p = 1;
    while (p < v) {
        p <<= 1;
    }
    return p;
}

constexpr int kPrepSimt = 2;   // PrepArgs::mode of the small-Q (fp32 SIMT) path
// PrepArgs::mode of the wgmma kernel: TF32 products of operands the tensor cores may round OR
// truncate to TF32 (wgmma reads the stored float32 bits; no cvt.rna on the way).
constexpr int kPrepTf32Trunc = 3;

struct PrepArgs {
    const float* q;
    int nq;
    int dp;
    int mode;
    const float* max_norm2;
    float* qn;
    float* window;
    float* qr;   // non-null: also write the queries rounded to TF32 (two-block TF32 kernel)
};

// One warp per query: norm, then W = 2 * eps(q) where eps bounds |approx - exact| for every
// database row (NOTES.md, "Error bound").
__global__ void prep_queries_kernel(const PrepArgs a) {
    const long long w = (static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (w >= a.nq) {
        return;
    }
    const float* row = a.q + w * a.dp;
    float s = 0.f;
    for (int j = lane; j < a.dp; j += 32) {
        s = fmaf(row[j], row[j], s);
    }
    if (a.qr != nullptr) {
        // The exact operand the tensor cores would get from cvt.rna (idempotent on these).
        for (int j = lane; j < a.dp; j += 32) {
            a.qr[w * a.dp + j] = __uint_as_float(to_tf32(row[j]));
        }
    }
    s = warp_sum(s);
    if (lane == 0) {
        a.qn[w] = s;
        const double u = 5.9604644775390625e-08;  // 2^-24
        const double g_norm = (a.dp + 2) * u * 1.01;
        const double nq2 = static_cast<double>(s) * (1.0 + g_norm);
        const double nx2 = static_cast<double>(a.max_norm2[0]) * (1.0 + g_norm);
        const double qnorm = sqrt(nq2);
        const double xnorm = sqrt(nx2);
        if (a.mode == kPrepSimt) {
            // Direct float32 sum((x - q)^2) in any order: every term goes through one rounded
            // subtraction, one rounded square/FMA and at most dp + 5 rounded additions, so
            // |D~ - D| <= (dp + 8) u D (1 + O(dp u)) with D <= (|q| + M)^2.
            // The window is doubled once more (4 eps): the exact re-rank has the same bound, so
            // every row whose re-ranked float32 distance reaches the final top k is a candidate
            // (D~ <= D + eps <= K + delta + eps <= T + 2 delta + eps <= tau~ + 2 eps + 2 delta),
            // so the answer is the top k of the whole database by the re-ranked key.
            const double s2 = (qnorm + xnorm) * (qnorm + xnorm);
            const double eps = (a.dp + 8.0) * u * 1.02 * s2;
            a.window[w] = static_cast<float>(4.0 * eps * 1.01) + 1e-30f;
            return;
        }
        // Relative error of one product of TF32-rounded (or hi/lo split) operands, plus a
        // generous 2^-22 per accumulation step (tensor cores may truncate when adding).
        // Truncation: each operand within 2^-10 relative, so the product within 2^-9 + 2^-20.
        const double e_prod = a.mode == 0 ? (9.765625e-04 + 4.76837158203125e-07)  // 2^-10+2^-21
                              : a.mode == kPrepTf32Trunc ? (1.953125e-03 + 9.5367431640625e-07)
                                                         : 9.5367431640625e-07;     // 2^-20
        const double adds = a.mode == 1 ? 3.0 * a.dp : a.dp;
        const double g_dot = e_prod + (adds + 8.0) * 2.384185791015625e-07;      // 2^-22
        const double eps = 2.0 * g_dot * qnorm * xnorm + g_norm * (nq2 + nx2) +
                           4.0 * u * (nq2 + nx2 + 2.0 * qnorm * xnorm);
        a.window[w] = static_cast<float>(2.0 * eps * 1.01) + 1e-30f;
    }
}

// Out-of-line copy for the two-block kernel: inlined, its 12 keys per lane sit on top of the
// 64 live accumulators and the kernel spills ~50 bytes under the 128-register cap; as a call
// the spills vanish (ptxas -v: 8 bytes left) and the trims are rare anyway.
__device__ __noinline__ void warp_compact_call(uint64_t* gbuf, int count, int k, float window,
                                               int limit, int lane, int* cnt_out,
                                               uint32_t* thr_out, int* ovf_out) {
    warp_compact(gbuf, count, k, window, limit, lane, cnt_out, thr_out, ovf_out);
}

struct RowState {
    uint32_t* thr;
    const float* win;
    int* cnt;
    int* ovf;
    int* todo;
    int* ntodo;
    int* seg_keep;
    uint32_t* seg_lim;
};

// Block path for larger k: trims every row over the limit, as many rows per pass as the sort
// space holds (one sorted segment each), so a pass costs the barriers of one sort.
__device__ void block_compact_rows(const FusedArgs& p, int q0, int slice, uint64_t* sortbuf,
                                   int tid, const RowState& st) {
    if (tid == 0) {
        *st.ntodo = 0;
    }
    __syncthreads();
    for (int r = tid; r < BM; r += NT) {
        if (st.cnt[r] > p.limit) {
            st.todo[atomicAdd(st.ntodo, 1)] = r;
        }
    }
    __syncthreads();
    const int ntodo = *st.ntodo;
    const int seg = p.sort_seg;
    const int per_pass = p.sort_space / seg;
    auto row_buf = [&](int r) {
        return p.cand + (static_cast<long long>(q0 + r) * p.slices + slice) * p.cap;
    };
    for (int b0 = 0; b0 < ntodo; b0 += per_pass) {
        const int nb = min(per_pass, ntodo - b0);
        const int total = nb * seg;
        for (int i = tid; i < total; i += NT) {
            const int sg = i >> p.seg_shift;
            const int j = i & (seg - 1);
            const int r = st.todo[b0 + sg];
            sortbuf[i] = j < st.cnt[r] ? row_buf(r)[j] : kPadKey;
        }
        __syncthreads();
        block_segmented_bitonic_sort<NT>(sortbuf, total, seg, tid);
        for (int sg = tid; sg < nb; sg += NT) {
            const int r = st.todo[b0 + sg];
            const float tau = key_dist(sortbuf[sg * seg + p.k - 1]);
            st.seg_lim[sg] = float_to_ordered(__fadd_ru(tau, st.win[r]) + 0.0f);
        }
        __syncthreads();
        for (int i = tid; i < total; i += NT) {
            const int sg = i >> p.seg_shift;
            const int j = i & (seg - 1);
            const uint64_t thr_key = (static_cast<uint64_t>(st.seg_lim[sg]) << 32) | 0xffffffffull;
            const bool in = sortbuf[i] <= thr_key;
            const bool next_in = (j + 1 < seg) && sortbuf[i + 1] <= thr_key;
            if (in && !next_in) {
                st.seg_keep[sg] = j + 1;
            }
        }
        __syncthreads();
        for (int sg = tid; sg < nb; sg += NT) {
            const int r = st.todo[b0 + sg];
            int m = st.seg_keep[sg];
            if (m > p.limit) {
                m = p.limit;
                st.thr[r] = static_cast<uint32_t>(sortbuf[sg * seg + m - 1] >> 32);
                st.ovf[r] = 1;
            } else {
                st.thr[r] = st.seg_lim[sg] + 1u;
            }
            st.seg_keep[sg] = m;
        }
        __syncthreads();
        for (int i = tid; i < total; i += NT) {
            const int sg = i >> p.seg_shift;
            const int j = i & (seg - 1);
            if (j < st.seg_keep[sg]) {
                row_buf(st.todo[b0 + sg])[j] = sortbuf[i];
            }
        }
        for (int sg = tid; sg < nb; sg += NT) {
            st.cnt[st.todo[b0 + sg]] = st.seg_keep[sg];
        }
        __syncthreads();
    }
}

template <bool SPLIT, class C>
__global__ void __launch_bounds__(NT, C::MIN_BLOCKS) fused_knn_kernel(const FusedArgs p) {
    using D = TileDims<C>;
    constexpr int BN = D::BN;
    constexpr int WN = D::WN;
    constexpr int BK = D::BK;
    constexpr int STAGES = D::STAGES;
    constexpr int WARPS_N = D::WARPS_N;
    constexpr int NTL = D::NTL;
    constexpr int LDS = D::LDS;
    constexpr int STAGE_FLOATS = D::STAGE_FLOATS;
    extern __shared__ __align__(16) unsigned char smem[];
    float* stages = reinterpret_cast<float*>(smem);
    uint64_t* sortbuf = reinterpret_cast<uint64_t*>(smem + STAGES * STAGE_FLOATS * sizeof(float));
    __shared__ uint32_t thr_s[BM];   // admit iff ordered(dist) < thr
    __shared__ float win_s[BM];
    __shared__ float qn_s[BM];
    __shared__ int cnt_s[BM];
    __shared__ int ovf_s[BM];
    __shared__ int need_s;
    __shared__ int todo_s[BM];
    __shared__ int ntodo_s;
    __shared__ int seg_keep_s[BM];
    __shared__ uint32_t seg_lim_s[BM];

    const int tid = threadIdx.x;
    const int lane = tid & 31;
    const int warp = tid >> 5;
    const int wm = warp / WARPS_N;
    const int wn = warp % WARPS_N;
    const int g = lane >> 2;
    const int t = lane & 3;
    const int q0 = blockIdx.x * BM;
    const int slice = blockIdx.y;
    const long long row_begin = static_cast<long long>(slice) * p.tiles_per_slice * BN;
    const long long row_end =
        min(p.n, row_begin + static_cast<long long>(p.tiles_per_slice) * BN);
    const int ntiles = static_cast<int>((row_end - row_begin + BN - 1) / BN);
    const int KT = (p.dp + BK - 1) / BK;
    const int total = ntiles * KT;

    for (int r = tid; r < BM; r += NT) {
        const bool valid = q0 + r < p.nq;
        thr_s[r] = valid ? kAdmitAll : kAdmitNone;
        win_s[r] = valid ? p.window[q0 + r] : 0.f;
        qn_s[r] = valid ? p.qn[q0 + r] : 0.f;
        cnt_s[r] = 0;
        ovf_s[r] = 0;
    }
    if (tid == 0) {
        need_s = 0;
    }

    // Query norms: registers in the legacy kernel; shared memory in the two-block kernel, where
    // 8 more live registers across the main loop would spill.
    constexpr bool kQnInRegs = C::MIN_BLOCKS == 1;
    // TF32 two-block kernel: p.qa holds the queries already rounded by prep_queries (exactly
    // what cvt.rna gives), so the A fragments skip 16 of the 24 conversions per k-step.
    constexpr bool kPreRoundedA = !SPLIT && C::MIN_BLOCKS == 2;
    float qn_r[MT][2];
#pragma unroll
    for (int mi = 0; mi < MT; ++mi) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
            const int row = q0 + wm * WM + mi * 16 + g + h * 8;
            qn_r[mi][h] = (kQnInRegs && row < p.nq) ? p.qn[row] : 0.f;
        }
    }

    float acc[MT][NTL][4];
#pragma unroll
    for (int mi = 0; mi < MT; ++mi)
#pragma unroll
        for (int ni = 0; ni < NTL; ++ni)
#pragma unroll
            for (int c = 0; c < 4; ++c) acc[mi][ni][c] = 0.f;

    __syncthreads();

    // Stage `it` of the flattened (tile, k-chunk) stream into buffer `buf`; out-of-range rows
    // and columns are zero-filled, so padding adds nothing to the dot products.
    auto load_stage = [&](int it, int buf) {
        const int tile = it / KT;
        const int kt = it - tile * KT;
        const long long xrow0 = row_begin + static_cast<long long>(tile) * BN;
        const int col0 = kt * BK;
        float* sq = stages + buf * STAGE_FLOATS;
        float* sx = sq + BM * LDS;
#pragma unroll
        for (int i = 0; i < (BM * BK / 4) / NT; ++i) {
            const int c = tid + i * NT;
            const int r = c / (BK / 4);
            const int c4 = c % (BK / 4);
            const int col = col0 + c4 * 4;
            const bool v = (q0 + r < p.nq) && (col < p.dp);
            const float* src = v ? p.qa + static_cast<long long>(q0 + r) * p.dp + col : p.qa;
            cp_async16(sq + r * LDS + c4 * 4, src, v);
        }
#pragma unroll
        for (int i = 0; i < (BN * BK / 4) / NT; ++i) {
            const int c = tid + i * NT;
            const int r = c / (BK / 4);
            const int c4 = c % (BK / 4);
            const int col = col0 + c4 * 4;
            const long long xr = xrow0 + r;
            const bool v = (xr < row_end) && (col < p.dp);
            const float* src = v ? p.x + xr * p.dp + col : p.x;
            cp_async16(sx + r * LDS + c4 * 4, src, v);
        }
    };

#pragma unroll
    for (int st = 0; st < STAGES - 1; ++st) {
        if (st < total) {
            load_stage(st, st);
        }
        cp_async_commit();
    }

    for (int it = 0; it < total; ++it) {
        cp_async_wait<STAGES - 2>();
        __syncthreads();
        {
            const int nxt = it + STAGES - 1;
            if (nxt < total) {
                load_stage(nxt, nxt % STAGES);
            }
            cp_async_commit();
        }

        // Tensor-core products for this k-chunk.
        {
            const float* sq = stages + (it % STAGES) * STAGE_FLOATS;
            const float* sx = sq + BM * LDS;
#pragma unroll
            for (int kk = 0; kk < BK; kk += 8) {
                uint32_t a_hi[MT][4];
                uint32_t a_lo[MT][4];
#pragma unroll
                for (int mi = 0; mi < MT; ++mi) {
                    const float* ap = sq + (wm * WM + mi * 16 + g) * LDS + kk + t;
                    const float f[4] = {ap[0], ap[8 * LDS], ap[4], ap[8 * LDS + 4]};
#pragma unroll
                    for (int r = 0; r < 4; ++r) {
                        if (SPLIT) {
                            split_tf32(f[r], a_hi[mi][r], a_lo[mi][r]);
                        } else {
                            // Two-block kernel: the queries were rounded by prep_queries.
                            a_hi[mi][r] = kPreRoundedA ? __float_as_uint(f[r]) : to_tf32(f[r]);
                        }
                    }
                }
#pragma unroll
                for (int ni = 0; ni < NTL; ++ni) {
                    const float* bp = sx + (wn * WN + ni * 8 + g) * LDS + kk + t;
                    const float f0 = bp[0];
                    const float f1 = bp[4];
                    if (SPLIT) {
                        uint32_t b0h, b0l, b1h, b1l;
                        split_tf32(f0, b0h, b0l);
                        split_tf32(f1, b1h, b1l);
#pragma unroll
                        for (int mi = 0; mi < MT; ++mi) {
                            mma_tf32(acc[mi][ni], a_lo[mi], b0h, b1h);
                            mma_tf32(acc[mi][ni], a_hi[mi], b0l, b1l);
                            mma_tf32(acc[mi][ni], a_hi[mi], b0h, b1h);
                        }
                    } else {
                        const uint32_t b0 = to_tf32(f0);
                        const uint32_t b1 = to_tf32(f1);
#pragma unroll
                        for (int mi = 0; mi < MT; ++mi) {
                            mma_tf32(acc[mi][ni], a_hi[mi], b0, b1);
                        }
                    }
                }
            }
        }

        if ((it % KT) != KT - 1) {
            continue;
        }

        // Epilogue of one database tile: distances, threshold filter, append.
        {
            const int tile = it / KT;
            const long long xrow0 = row_begin + static_cast<long long>(tile) * BN;
            uint32_t thr_r[MT][2];
#pragma unroll
            for (int mi = 0; mi < MT; ++mi)
#pragma unroll
                for (int h = 0; h < 2; ++h) thr_r[mi][h] = thr_s[wm * WM + mi * 16 + g + h * 8];

#pragma unroll
            for (int ni = 0; ni < NTL; ++ni) {
#pragma unroll
                for (int j = 0; j < 2; ++j) {
                    const long long col = xrow0 + wn * WN + ni * 8 + 2 * t + j;
                    const bool cv = col < row_end;
                    const float xv = cv ? __ldg(p.xn + col) : 0.f;
#pragma unroll
                    for (int mi = 0; mi < MT; ++mi) {
#pragma unroll
                        for (int h = 0; h < 2; ++h) {
                            const float dist =
                                __fmaf_rn(-2.f, acc[mi][ni][h * 2 + j],
                                          (kQnInRegs ? qn_r[mi][h]
                                                     : qn_s[wm * WM + mi * 16 + g + h * 8]) + xv);
                            if (cv && float_to_ordered(dist + 0.0f) < thr_r[mi][h]) {
                                const int r = wm * WM + mi * 16 + g + h * 8;
                                const int pos = atomicAdd(&cnt_s[r], 1);
                                p.cand[(static_cast<long long>(q0 + r) * p.slices + slice) * p.cap +
                                       pos] = make_key(dist, static_cast<uint32_t>(col));
                                if (pos == p.limit) {
                                    need_s = 1;
                                }
                            }
                            acc[mi][ni][h * 2 + j] = 0.f;
                        }
                    }
                }
            }
            __syncthreads();
            if (need_s) {
                if (p.warp_select) {
                    for (int r = warp; r < BM; r += NT / 32) {
                        if (cnt_s[r] > p.limit) {
                            uint64_t* gbuf = p.cand +
                                (static_cast<long long>(q0 + r) * p.slices + slice) * p.cap;
                            if constexpr (kQnInRegs) {
                                warp_compact(gbuf, cnt_s[r], p.k, win_s[r], p.limit, lane,
                                             &cnt_s[r], &thr_s[r], &ovf_s[r]);
                            } else {
                                warp_compact_call(gbuf, cnt_s[r], p.k, win_s[r], p.limit, lane,
                                                  &cnt_s[r], &thr_s[r], &ovf_s[r]);
                            }
                        }
                    }
                    __syncthreads();
                } else {
                    const RowState st{thr_s, win_s, cnt_s, ovf_s, todo_s, &ntodo_s, seg_keep_s,
                                      seg_lim_s};
                    block_compact_rows(p, q0, slice, sortbuf, tid, st);
                }
                if (tid == 0) {
                    need_s = 0;
                }
                __syncthreads();
            }
        }
    }
    cp_async_wait<0>();
    __syncthreads();

    write_slice_counts<BM, NT>(p, q0, slice, tid, cnt_s, ovf_s);
}

// Small batches (nq <= QMAX <= kSmallQMax, k <= kWarpSelectMaxK): a 128-query tensor-core tile
// would waste all but nq of its rows, and one search must stream the whole database, so this
// kernel is built for bandwidth instead: one block per database slice (slices cover all SMs),
// every warp streams RW rows at a time with coalesced float4 loads (lanes over dimensions), the
// queries sit in shared memory, and each (row, query) distance is a float32 sum((x - q)^2)
// reduced across the warp. Candidates go through the same per-(query, slice) buffers, threshold
// and warp trims as the fused kernel, so merge_rerank is shared. The window comes from
// prep_queries in kPrepSimt mode (float32 error bound, far narrower than TF32's).
template <int QMAX, int RW>
__global__ void __launch_bounds__(kSmallQThreads) smallq_knn_kernel(const FusedArgs p) {
    extern __shared__ __align__(16) unsigned char smem[];
    float* qs = reinterpret_cast<float*>(smem);
    __shared__ uint32_t thr_s[QMAX];
    __shared__ float win_s[QMAX];
    __shared__ int cnt_s[QMAX];
    __shared__ int ovf_s[QMAX];
    __shared__ int need_s;
    constexpr int SNT = kSmallQThreads;
    constexpr int BR = (SNT / 32) * RW;   // rows per block iteration

    const int tid = threadIdx.x;
    const int lane = tid & 31;
    const int warp = tid >> 5;
    const int nq = p.nq;
    const int slice = blockIdx.x;
    const long long row_begin = static_cast<long long>(slice) * p.tiles_per_slice * BR;
    const long long row_end = min(p.n, row_begin + static_cast<long long>(p.tiles_per_slice) * BR);

    for (int i = tid; i < nq * p.dp; i += SNT) {
        qs[i] = p.q[i];
    }
    for (int r = tid; r < QMAX; r += SNT) {
        const bool valid = r < nq;
        thr_s[r] = valid ? kAdmitAll : kAdmitNone;
        win_s[r] = valid ? p.window[r] : 0.f;
        cnt_s[r] = 0;
        ovf_s[r] = 0;
    }
    if (tid == 0) {
        need_s = 0;
    }
    __syncthreads();

    auto row_buf = [&](int i) {
        return p.cand + (static_cast<long long>(i) * p.slices + slice) * p.cap;
    };
    const int d4 = p.dp / 4;
    for (long long base = row_begin; base < row_end; base += BR) {
        const long long r0 = base + warp * RW;
        float acc[RW][QMAX];
#pragma unroll
        for (int r = 0; r < RW; ++r)
#pragma unroll
            for (int i = 0; i < QMAX; ++i) acc[r][i] = 0.f;

#pragma unroll 2
        for (int c = lane; c < d4; c += 32) {
            float4 xv[RW];
#pragma unroll
            for (int r = 0; r < RW; ++r) {
                const long long row = r0 + r;
                xv[r] = row < row_end ? __ldg(reinterpret_cast<const float4*>(p.x + row * p.dp) + c)
                                      : make_float4(0.f, 0.f, 0.f, 0.f);
            }
#pragma unroll
            for (int i = 0; i < QMAX; ++i) {
                if (i < nq) {
                    const float4 qv = reinterpret_cast<const float4*>(qs + i * p.dp)[c];
#pragma unroll
                    for (int r = 0; r < RW; ++r) {
                        const float e0 = xv[r].x - qv.x;
                        const float e1 = xv[r].y - qv.y;
                        const float e2 = xv[r].z - qv.z;
                        const float e3 = xv[r].w - qv.w;
                        acc[r][i] = fmaf(e0, e0, acc[r][i]);
                        acc[r][i] = fmaf(e1, e1, acc[r][i]);
                        acc[r][i] = fmaf(e2, e2, acc[r][i]);
                        acc[r][i] = fmaf(e3, e3, acc[r][i]);
                    }
                }
            }
        }

        // Whole-warp sums (every lane gets each total); lane (r * QMAX + i) % 32 appends.
#pragma unroll
        for (int r = 0; r < RW; ++r) {
#pragma unroll
            for (int i = 0; i < QMAX; ++i) {
                if (i < nq) {   // uniform across the warp
                    const float dist = warp_sum(acc[r][i]);
                    const long long row = r0 + r;
                    if (((r * QMAX + i) & 31) == lane && row < row_end &&
                        float_to_ordered(dist + 0.0f) < thr_s[i]) {
                        const int pos = atomicAdd(&cnt_s[i], 1);
                        row_buf(i)[pos] = make_key(dist, static_cast<uint32_t>(row));
                        if (pos == p.limit) {
                            need_s = 1;
                        }
                    }
                }
            }
        }
        // A buffer holds <= limit keys at the start of an iteration, so <= limit + BR <= cap
        // here; trim the ones past the limit (thresholds change only between these barriers).
        __syncthreads();
        if (need_s) {
            for (int i = warp; i < nq; i += SNT / 32) {
                if (cnt_s[i] > p.limit) {
                    warp_compact(row_buf(i), cnt_s[i], p.k, win_s[i], p.limit, lane, &cnt_s[i],
                                 &thr_s[i], &ovf_s[i]);
                }
            }
            __syncthreads();
            if (tid == 0) {
                need_s = 0;
            }
            __syncthreads();
        }
    }
    // Leave only the k best plus the window per (query, slice): the merge then reads about
    // k + a few keys per slice instead of up to `limit`.
    for (int i = warp; i < nq; i += SNT / 32) {
        if (cnt_s[i] > p.k) {
            warp_compact(row_buf(i), cnt_s[i], p.k, win_s[i], p.limit, lane, &cnt_s[i], &thr_s[i],
                         &ovf_s[i]);
        }
    }
    __syncthreads();
    for (int i = tid; i < nq; i += SNT) {
        p.counts[static_cast<long long>(i) * p.slices + slice] = cnt_s[i];
        if (ovf_s[i]) {
            p.flags[i] = 1;
        }
    }
}

struct MergeArgs {
    const uint64_t* cand;
    const int* counts;
    const float* window;
    const float* q;
    const float* x;
    int nq;
    int dp;
    int k;
    int limit;
    int cap;
    int slices;
    int sort_n;
    int* ids;
    float* dists;
    int* flags;
};

__device__ void compact_shared(uint64_t* sb, int held, int k, float window, int limit, int tid,
                               int* scratch, int* cnt_out, uint32_t* thr_out, int* ovf_out) {
    const int n = next_pow2(held);
    for (int i = held + tid; i < n; i += MNT) {
        sb[i] = kPadKey;
    }
    __syncthreads();
    block_bitonic_sort<MNT>(sb, n, tid);
    const WindowCut cut = window_cut<MNT>(sb, n, k, window, limit, tid, scratch);
    if (tid == 0) {
        *cnt_out = cut.keep;
        *thr_out = cut.next_thr_ordered;
        *ovf_out |= cut.overflow;
    }
    __syncthreads();
}

__global__ void __launch_bounds__(MNT) merge_rerank_kernel(const MergeArgs p) {
    extern __shared__ uint64_t sb[];
    __shared__ int cnt_m;
    __shared__ uint32_t thr_m;
    __shared__ int ovf_m;
    __shared__ int scratch_m;

    const int tid = threadIdx.x;
    const int q = blockIdx.x;
    const float window = p.window[q];
    if (tid == 0) {
        cnt_m = 0;
        thr_m = kAdmitAll;
        ovf_m = 0;
    }
    __syncthreads();

    // The query's slice buffers as one flattened stream (offsets in shared memory after the
    // sort space), so a chunk of MNT keys spans many short buffers: ceil(total / MNT) rounds of
    // barriers instead of at least one per slice.
    int* off = reinterpret_cast<int*>(sb + p.sort_n);
    for (int s = tid; s < p.slices; s += MNT) {
        off[s + 1] = p.counts[static_cast<long long>(q) * p.slices + s];
    }
    if (tid == 0) {
        off[0] = 0;
    }
    __syncthreads();
    if (tid == 0) {
        for (int s = 0; s < p.slices; ++s) {
            off[s + 1] += off[s];
        }
    }
    __syncthreads();
    const int total = off[p.slices];
    const int room = p.sort_n - MNT;
    for (int base = 0; base < total; base += MNT) {
        const int i = base + tid;
        if (i < total) {
            // The slice holding flattened index i: the largest s with off[s] <= i (empty slices
            // share their offset with the next one, which is then the one picked).
            int lo = 0;
            int hi = p.slices - 1;
            while (lo < hi) {
                const int mid = (lo + hi + 1) >> 1;
                if (off[mid] <= i) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            const long long slot = static_cast<long long>(q) * p.slices + lo;
            const uint64_t key = p.cand[slot * p.cap + (i - off[lo])];
            if (static_cast<uint32_t>(key >> 32) < thr_m) {
                const int pos = atomicAdd(&cnt_m, 1);
                sb[pos] = key;
            }
        }
        __syncthreads();
        const int held = cnt_m;
        __syncthreads();
        if (held > room) {
            compact_shared(sb, held, p.k, window, p.limit, tid, &scratch_m, &cnt_m, &thr_m,
                           &ovf_m);
        }
    }
    __syncthreads();
    const int held = cnt_m;
    __syncthreads();
    // held >= k: every slice keeps at least min(k, its rows) candidates and k <= n.
    compact_shared(sb, held, p.k, window, p.limit, tid, &scratch_m, &cnt_m, &thr_m, &ovf_m);
    const int m = cnt_m;

    // Exact re-rank: sum((x - q)^2) in float32, one warp per candidate, fixed reduction order
    // (identical rows get identical distances, so the id decides).
    const int lane = tid & 31;
    const int warp = tid >> 5;
    const float4* qrow = reinterpret_cast<const float4*>(p.q + static_cast<long long>(q) * p.dp);
    const int d4 = p.dp / 4;
    for (int i = warp; i < m; i += MNT / 32) {
        const uint32_t id = key_id(sb[i]);
        const float4* xrow = reinterpret_cast<const float4*>(p.x + static_cast<long long>(id) * p.dp);
        float acc = 0.f;
        for (int j = lane; j < d4; j += 32) {
            const float4 a = __ldg(xrow + j);
            const float4 b = __ldg(qrow + j);
            const float e0 = a.x - b.x;
            const float e1 = a.y - b.y;
            const float e2 = a.z - b.z;
            const float e3 = a.w - b.w;
            acc = fmaf(e0, e0, acc);
            acc = fmaf(e1, e1, acc);
            acc = fmaf(e2, e2, acc);
            acc = fmaf(e3, e3, acc);
        }
        acc = warp_sum(acc);
        __syncwarp();
        if (lane == 0) {
            sb[i] = make_key(acc, id);
        }
    }
    __syncthreads();
    const int n3 = next_pow2(m);
    for (int i = m + tid; i < n3; i += MNT) {
        sb[i] = kPadKey;
    }
    __syncthreads();
    block_bitonic_sort<MNT>(sb, n3, tid);
    for (int r = tid; r < p.k; r += MNT) {
        const uint64_t key = sb[r];
        p.ids[static_cast<long long>(q) * p.k + r] = static_cast<int>(key_id(key));
        p.dists[static_cast<long long>(q) * p.k + r] = key_dist(key);
    }
    if (tid == 0 && ovf_m) {
        p.flags[q] = 1;
    }
}

}  // namespace

SearchPlan make_plan(int sm_count, size_t smem_optin, int nq, long long n, int dp, int k,
                     bool allow_small_q, int fused_variant, bool wgmma) {
    SearchPlan p;
    if (fused_variant == kFusedDefault && kWgmmaByDefault && wgmma && k <= kWarpSelectMaxK) {
        fused_variant = kWgmmaDefaultVariant;
    }
    if (fused_variant == kFusedDefault) {
        fused_variant = kDefaultFusedVariant == kFusedTwoCta && k <= kTwoCtaDefaultMaxK ? kFusedTwoCta
                                                                                      : kFusedLegacy;
    }
    if (is_wgmma_variant(fused_variant) && !(wgmma && k <= kWarpSelectMaxK)) {
        fused_variant = kFusedLegacy;   // callers check; never launch sm_90a code elsewhere
    }
    p.fused_variant = fused_variant == kFusedTwoCta || is_wgmma_variant(fused_variant) ? fused_variant : kFusedLegacy;
    const bool two = p.fused_variant == kFusedTwoCta;
    const int BN = two ? TileDims<TwoCtaTile>::BN : TileDims<LegacyTile>::BN;
    p.tile_rows = BN;
    p.nq = nq;
    p.k = k;
    p.dp = dp;
    p.n = n;
    p.query_tiles = (nq + BM - 1) / BM;
    const long long row_tiles = (n + BN - 1) / BN;
    // Legacy: one resident block per SM, two full waves. TwoCta: two resident blocks per SM,
    // one wave (every block does the same work, so there is no tail to balance).
    const long long target = 2LL * std::max(1, sm_count);
    long long slices = std::max<long long>(1, target / p.query_tiles);
    slices = std::min(slices, row_tiles);
    p.tiles_per_slice = static_cast<int>((row_tiles + slices - 1) / slices);
    p.slices = static_cast<int>((row_tiles + p.tiles_per_slice - 1) / p.tiles_per_slice);
    // limit >= 2k: a trim frees room for at least k more candidates. 128 halves the trims of the
    // early tiles against 64 and is what the warp path holds.
    p.limit = std::max(128, 2 * ((k + 31) / 32 * 32));
    p.cap = p.limit + kBlockRows;   // >= limit + BN: room for one tile's appends
    p.warp_select = k <= kWarpSelectMaxK && p.cap == kWarpSelectCap;
    p.sort_seg = next_pow2(p.cap);
    p.seg_shift = 0;
    while ((1 << p.seg_shift) < p.sort_seg) {
        ++p.seg_shift;
    }
    const size_t stage_bytes = two ? TileDims<TwoCtaTile>::STAGE_BYTES : TileDims<LegacyTile>::STAGE_BYTES;
    const size_t static_bytes = 8 * 1024;   // the kernel's __shared__ arrays, with room to spare
    if (p.warp_select) {
        p.sort_space = 0;
    } else {
        size_t avail = smem_optin > stage_bytes + static_bytes
                           ? smem_optin - stage_bytes - static_bytes
                           : 0;
        // TwoCta: keep two blocks per SM when at least one sort segment fits next to the stages
        // in half the SM (per SM: opt-in + 1 KB; per block: 1 KB reserved, <= 5 KB static), e.g.
        // k = 100 on H100: 7 rows per pass; otherwise (k = 1024) one block per SM.
        const size_t half_sm = (smem_optin + 1024) / 2;
        const size_t fixed = stage_bytes + 1024 + 5 * 1024;
        const size_t half = half_sm > fixed ? half_sm - fixed : 0;
        if (two && half >= static_cast<size_t>(p.sort_seg) * sizeof(uint64_t)) {
            avail = half;
        }
        const size_t rows = std::min<size_t>(BM, avail / (static_cast<size_t>(p.sort_seg) * sizeof(uint64_t)));
        p.sort_space = p.sort_seg * static_cast<int>(std::max<size_t>(1, rows));
    }
    p.merge_sort = next_pow2(p.limit + MNT);
    p.fused_smem = stage_bytes + static_cast<size_t>(p.sort_space) * sizeof(uint64_t);
    if (is_wgmma_variant(p.fused_variant)) {
        p.fused_smem = std::max(p.fused_smem, wgmma_fused_smem_bytes());   // >= legacy's (3xTF32)
    }
    if (allow_small_q && nq >= 1 && nq <= kSmallQAutoMax && p.warp_select &&
        static_cast<long long>(nq) * dp <= kSmallQSmemFloats) {
        // Bandwidth-bound: two blocks per SM (registers allow 2-4), the database split evenly.
        p.small_q = true;
        p.sq_qmax = nq <= 1 ? 1 : nq <= 4 ? 4 : 16;
        p.sq_rows = (kSmallQThreads / 32) * (p.sq_qmax == 16 ? 4 : 8);
        p.query_tiles = 1;
        const long long iters = (n + p.sq_rows - 1) / p.sq_rows;
        const long long want = std::min<long long>(iters, 2LL * std::max(1, sm_count));
        p.tiles_per_slice = static_cast<int>((iters + want - 1) / want);
        p.slices = static_cast<int>((iters + p.tiles_per_slice - 1) / p.tiles_per_slice);
        p.fused_smem = static_cast<size_t>(nq) * dp * sizeof(float);
    }
    p.merge_smem = static_cast<size_t>(p.merge_sort) * sizeof(uint64_t) +
                   static_cast<size_t>(p.slices + 1) * sizeof(int);
    return p;
}

size_t required_smem_per_block() {
    // Pipeline stages + one 4096-key segment (k = 1024) + static shared memory with margin.
    return std::max(TileDims<LegacyTile>::STAGE_BYTES, TileDims<TwoCtaTile>::STAGE_BYTES) + 4096 * sizeof(uint64_t) +
           8 * 1024;
}

static size_t align256(size_t v) {
    return (v + 255) / 256 * 256;
}

// Two-block tensor-core plans keep a TF32-rounded copy of the queries (A operands without cvt).
static size_t rounded_query_bytes(const SearchPlan& plan) {
    return plan.fused_variant == kFusedTwoCta && !plan.small_q
               ? align256(static_cast<size_t>(plan.nq) * plan.dp * sizeof(float))
               : 0;
}

size_t search_scratch_bytes(const SearchPlan& plan) {
    const size_t nq = static_cast<size_t>(plan.nq);
    const size_t pairs = nq * static_cast<size_t>(plan.slices);
    return align256(nq * sizeof(float)) * 2 + align256(pairs * plan.cap * sizeof(uint64_t)) +
           align256(pairs * sizeof(int)) + align256(nq * sizeof(int)) + rounded_query_bytes(plan);
}

SearchBuffers carve_search_buffers(const SearchPlan& plan, void* base) {
    const size_t nq = static_cast<size_t>(plan.nq);
    const size_t pairs = nq * static_cast<size_t>(plan.slices);
    char* p = static_cast<char*>(base);
    SearchBuffers b;
    b.qn = reinterpret_cast<float*>(p);
    p += align256(nq * sizeof(float));
    b.window = reinterpret_cast<float*>(p);
    p += align256(nq * sizeof(float));
    b.cand = reinterpret_cast<uint64_t*>(p);
    p += align256(pairs * plan.cap * sizeof(uint64_t));
    b.counts = reinterpret_cast<int*>(p);
    p += align256(pairs * sizeof(int));
    b.flags = reinterpret_cast<int*>(p);
    p += align256(nq * sizeof(int));
    b.qr = rounded_query_bytes(plan) > 0 ? reinterpret_cast<float*>(p) : nullptr;
    return b;
}

cudaError_t launch_search(const SearchPlan& plan, int mode, const float* queries, const float* x,
                          const float* xn, const float* max_norm2, const SearchBuffers& buf,
                          int* ids, float* dists, cudaStream_t stream) {
    if (plan.nq == 0) {
        return cudaSuccess;
    }
    // TF32 two-block kernel: A operands pre-rounded once per search (3xTF32 splits the originals).
    const bool pre_round = !plan.small_q && plan.fused_variant == kFusedTwoCta && mode == 0;
    if (pre_round && buf.qr == nullptr) {
        return cudaErrorInvalidValue;   // the kernel would feed unrounded operands
    }
    const bool wgmma = !plan.small_q && mode == 0 && is_wgmma_variant(plan.fused_variant);
    const int prep_mode = plan.small_q ? kPrepSimt : wgmma ? kPrepTf32Trunc : mode;
    PrepArgs pa{queries, plan.nq, plan.dp, prep_mode, max_norm2, buf.qn,
                buf.window, pre_round ? buf.qr : nullptr};
    const int prep_threads = 256;
    const long long prep_blocks = (static_cast<long long>(plan.nq) * 32 + prep_threads - 1) / prep_threads;
    prep_queries_kernel<<<static_cast<unsigned>(prep_blocks), prep_threads, 0, stream>>>(pa);
    cudaError_t e = cudaMemsetAsync(buf.flags, 0, plan.nq * sizeof(int), stream);
    if (e != cudaSuccess) {
        return e;
    }

    FusedArgs fa{queries,    pre_round ? buf.qr : queries, buf.qn,         buf.window,        x,           xn,
                 plan.nq,    plan.dp,        plan.n,            plan.k,      plan.limit,
                 plan.cap,   plan.tiles_per_slice, plan.slices, plan.warp_select ? 1 : 0,
                 plan.sort_seg, plan.seg_shift, plan.sort_space, buf.cand,  buf.counts,
                 buf.flags};
    if (plan.small_q) {
        auto kernel = plan.sq_qmax == 1   ? smallq_knn_kernel<1, 8>
                      : plan.sq_qmax == 4 ? smallq_knn_kernel<4, 8>
                                          : smallq_knn_kernel<16, 4>;
        kernel<<<plan.slices, kSmallQThreads, plan.fused_smem, stream>>>(fa);
    } else if (wgmma) {
        e = launch_wgmma_fused(fa, plan.query_tiles, plan.slices, plan.fused_variant == kFusedWgmmaLean, stream);
        if (e != cudaSuccess) {
            return e;
        }
    } else {
        auto kernel = plan.fused_variant == kFusedTwoCta
                          ? (mode == 1 ? fused_knn_kernel<true, TwoCtaTile> : fused_knn_kernel<false, TwoCtaTile>)
                          : (mode == 1 ? fused_knn_kernel<true, LegacyTile> : fused_knn_kernel<false, LegacyTile>);
        e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 static_cast<int>(plan.fused_smem));
        if (e != cudaSuccess) {
            return e;
        }
        if (plan.fused_variant == kFusedTwoCta) {
            // Two blocks per SM need the whole unified L1 as shared memory (2 x ~86 KB).
            e = cudaFuncSetAttribute(kernel, cudaFuncAttributePreferredSharedMemoryCarveout,
                                     cudaSharedmemCarveoutMaxShared);
            if (e != cudaSuccess) {
                return e;
            }
        }
        dim3 grid(plan.query_tiles, plan.slices);
        kernel<<<grid, NT, plan.fused_smem, stream>>>(fa);
    }
    e = cudaGetLastError();
    if (e != cudaSuccess) {
        return e;
    }

    MergeArgs ma{buf.cand, buf.counts, buf.window, queries, x, plan.nq, plan.dp, plan.k,
                 plan.limit, plan.cap, plan.slices, plan.merge_sort, ids, dists, buf.flags};
    e = cudaFuncSetAttribute(merge_rerank_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             static_cast<int>(plan.merge_smem));
    if (e != cudaSuccess) {
        return e;
    }
    merge_rerank_kernel<<<plan.nq, MNT, plan.merge_smem, stream>>>(ma);
    return cudaGetLastError();
}

}  // namespace mmfuse
