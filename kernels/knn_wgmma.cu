// Fused squared-L2 distance + top-k on Hopper tensor cores through wgmma (sm_90a only; built
// into its own fatbin by build.sh, chosen by make_plan only on compute capability 9.0).
//
// Same contract, candidate buffers, trims and merge as fused_knn_kernel (knn_fused.cu); what
// changes is the main loop (NOTES.md, "wgmma kernel"):
//  - block tile 128 queries x 256 rows, two warpgroups of 64 queries each, one
//    wgmma.m64n256k8 TF32 per 8 dimensions per warpgroup: the 64 x 256 product tile lives in
//    128 accumulator registers per thread and is fed straight from shared memory, so the warps
//    issue no fragment loads or conversions at all (mma.sync needed 1-1.5 LDS per MMA);
//  - 32-dimension stages (128 bytes per row, the 128-byte swizzle atom) filled by the tensor
//    memory accelerator (cp.async.bulk.tensor, one thread, completion on an mbarrier per stage),
//    which applies the swizzle and zero-fills past the last query, row or dimension; 4 stages,
//    prefetched 3 ahead, one wgmma group kept in flight. (A first version filled the stages
//    with per-thread cp.async: correct, but 8 warps could not keep enough loads in flight and it
//    ran at the mma.sync kernels' speed: bench/results/gpu-2026-11-27-h200-visit5.)
//  - operands are the float32 bits as stored: whether the tensor cores round or truncate them to
//    TF32, the window from prep_queries (kPrepTf32Trunc) covers both.
// TF32 only, k <= kWarpSelectMaxK only (warp trims; 3xTF32 and larger k use knn_fused.cu).
#include "knn_fused_common.cuh"
#include "knn_internal.h"

#include <cuda.h>   // CUtensorMap and its enums only: the encoder is reached through cudart

namespace mmfuse {
namespace {

constexpr int BM = kBlockQueries;   // 128 queries: two warpgroups of 64
constexpr int BN = kBlockRows;      // 256 database rows: the N of one wgmma
constexpr int BK = 32;              // dimensions per stage: 128 bytes per row
constexpr int STAGES = 4;
constexpr int NT = kFusedThreads;   // 256 = two warpgroups
constexpr int NACC = BN / 2;        // m64n256 f32: 128 accumulators per thread
constexpr int A_BYTES = BM * BK * 4;
constexpr int B_BYTES = BN * BK * 4;
constexpr int STAGE_BYTES = A_BYTES + B_BYTES;
constexpr int ALIGN = 1024;         // the 128-byte swizzle repeats every 8 rows = 1024 bytes
// The first tile's threshold bound (epilogue) for k up to this. H200, N = 1e6, d = 256, Q = 1024
// (bench/results/gpu-2026-11-27-h200-visit14): k = 10 2.67 -> 2.60 ms, k = 1 unchanged, but
// k = 32 4.03 -> 4.35 ms: the 32nd of 32 lane minima admits about a third of the tile, too few
// rows reach the trim limit, and thresholds tighten a tile later than after admitting all.
constexpr int kFirstTileBoundMaxK = 16;
static_assert(NT == 256 && BM == 128 && BN == 256, "two warpgroups, m64n256 each");

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Shared-memory matrix descriptor for the layout the TMA writes with CU_TENSOR_MAP_SWIZZLE_128B
// (row r at r * 128 bytes, its 16-byte chunks permuted by XOR with r & 7): K-major, 128-byte swizzle, 8-row groups 1024 bytes apart
// (stride byte offset); the leading byte offset is unused for this layout (set to 16 bytes).
__device__ __forceinline__ uint64_t sw128_desc(uint32_t addr) {
    return static_cast<uint64_t>((addr & 0x3ffffu) >> 4) | (1ull << 16) | (64ull << 32) | (1ull << 62);
}

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
__device__ __forceinline__ void wgmma_fence() {
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}
__device__ __forceinline__ void wgmma_commit() {
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}
template <int N>
__device__ __forceinline__ void wgmma_wait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}
__device__ __forceinline__ void fence_proxy_async() {
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}
__device__ __forceinline__ void mbar_init(uint64_t* bar, int count) {
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;\n" ::"r"(smem_addr(bar)), "r"(count) : "memory");
}
__device__ __forceinline__ void mbar_expect_tx(uint64_t* bar, uint32_t bytes) {
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;\n" ::"r"(smem_addr(bar)), "r"(bytes)
                 : "memory");
}
__device__ __forceinline__ bool mbar_try_wait(uint64_t* bar, uint32_t parity) {
    uint32_t done;
    asm volatile(
        "{\n.reg .pred p;\n"
        "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
        "selp.u32 %0, 1, 0, p;\n}\n"
        : "=r"(done)
        : "r"(smem_addr(bar)), "r"(parity)
        : "memory");
    return done != 0;
}
__device__ __forceinline__ void mbar_wait(uint64_t* bar, uint32_t parity) {
    while (!mbar_try_wait(bar, parity)) {
    }
}
// Box {32 dimensions, rows} at (col, row) of a 2-D tensor map into shared memory, swizzled.
__device__ __forceinline__ void tma_load(void* dst, const CUtensorMap* map, int col, int row, uint64_t* bar) {
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes"
        " [%0], [%1, {%2, %3}], [%4];\n" ::"r"(smem_addr(dst)),
        "l"(map), "r"(col), "r"(row), "r"(smem_addr(bar))
        : "memory");
}
// Keeps the compiler from moving accumulator reads or writes across a wgmma wait or fence.
__device__ __forceinline__ void pin(float (&d)[NACC]) {
#pragma unroll
    for (int i = 0; i < NACC; ++i) {
        asm volatile("" : "+f"(d[i])::"memory");
    }
}

// d(64 x 256) = A(64 x 8) * B(256 x 8)^T + (accumulate ? d : 0), both TF32 from shared memory,
// float32 accumulation. Starting a tile with accumulate = 0 instead of zeroing d keeps every
// write to the accumulators inside wgmma, so ptxas need not serialize the pipeline.
__device__ __forceinline__ void wgmma_m64n256k8(float (&d)[NACC], uint64_t da, uint64_t db, int accumulate) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, %130, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n256k8.f32.tf32.tf32 "
        "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,"
        "%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,"
        "%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,"
        "%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63,"
        "%64,%65,%66,%67,%68,%69,%70,%71,%72,%73,%74,%75,%76,%77,%78,%79,"
        "%80,%81,%82,%83,%84,%85,%86,%87,%88,%89,%90,%91,%92,%93,%94,%95,"
        "%96,%97,%98,%99,%100,%101,%102,%103,%104,%105,%106,%107,%108,%109,%110,%111,"
        "%112,%113,%114,%115,%116,%117,%118,%119,%120,%121,%122,%123,%124,%125,%126,%127},"
        " %128, %129, p, 1, 1;\n}\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]),
          "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]),
          "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]),
          "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]),
          "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]),
          "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]),
          "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]),
          "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]),
          "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]),
          "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]),
          "+f"(d[62]), "+f"(d[63]), "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]),
          "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]), "+f"(d[72]), "+f"(d[73]),
          "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]),
          "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]),
          "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]),
          "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]), "+f"(d[96]), "+f"(d[97]),
          "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]),
          "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]),
          "+f"(d[110]), "+f"(d[111]), "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]),
          "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]), "+f"(d[120]), "+f"(d[121]),
          "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
        : "l"(da), "l"(db), "r"(accumulate));
}
#endif

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
// One distance of the epilogue: dist = |q|^2 + |x|^2 - 2 q.x (the value its key carries), admitted
// iff dist <= thr. The warp votes first, so the branch is warp-uniform and the compiler's
// divergence bookkeeping only runs when a lane admits; every lane then takes part in the atomic
// (adding 0 when it does not admit): with the append alone inside, the compiler folds the two
// tests into one divergent branch per distance.
__device__ __forceinline__ void admit_one(const FusedArgs& p, float a, float qx, float thr, int r, int q0, int slice,
                                          long long col, int* cnt_s, int* need_s) {
    const float dist = __fmaf_rn(-2.f, a, qx);
    const bool admit = dist <= thr;
    if (__any_sync(0xffffffffu, admit)) {
        const int pos = atomicAdd(&cnt_s[r], admit ? 1 : 0);
        if (admit) {
            p.cand[(static_cast<long long>(q0 + r) * p.slices + slice) * p.cap + pos] =
                make_key(dist, static_cast<uint32_t>(col));
            if (pos == p.limit) {
                *need_s = 1;
            }
        }
    }
}
#endif

// tq: the queries (nq x dp, box 32 x 128); tx: the database (n x dp, box 32 x 256).
// LEAN (the default; MMFUSE_FLAG_WGMMA_LEAN_FUSED forces it; 2.61 against 2.80 ms on visit 12):
// the epilogue first tests |x|^2 - 2 q.x against (thr - |q|^2 + W), one FFMA and one compare per
// distance and one warp vote per 4, and runs admit_one only where that vote passes. The widening
// by the row's window W (>= 2 eps, and eps already budgets 4u (|q|^2 + |x|^2 + 2|q||x|) for
// exactly this arithmetic) covers the rounding differences of the two formulas, so every distance
// admit_one would admit reaches it: the appended keys are the plain epilogue's.
template <bool LEAN>
__global__ void __launch_bounds__(NT, 1) wgmma_knn_kernel(const FusedArgs p, const __grid_constant__ CUtensorMap tq,
                                                          const __grid_constant__ CUtensorMap tx) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    extern __shared__ __align__(1024) unsigned char smem_raw[];
    __shared__ uint32_t thr_s[BM];   // admit iff ordered(dist) < thr
    __shared__ float win_s[BM];
    __shared__ int cnt_s[BM];
    __shared__ int ovf_s[BM];
    __shared__ int need_s;
    __shared__ __align__(8) uint64_t full_s[STAGES];   // stage landed (TMA transaction bytes)
    __shared__ __align__(8) float xn_s[BN];             // the current tile's row norms

    // The swizzle is a function of address bits 4-9: stages must start on 1024 bytes (the
    // launch reserves ALIGN bytes of slack for this).
    const uint32_t raw = smem_addr(smem_raw);
    unsigned char* stages = smem_raw + ((ALIGN - (raw & (ALIGN - 1))) & (ALIGN - 1));

    const int tid = threadIdx.x;
    const int lane = tid & 31;
    const int warp = tid >> 5;
    const int wg = warp >> 2;   // warpgroup: queries wg * 64 .. + 63
    const int g = lane >> 2;
    const int t = lane & 3;
    const int q0 = blockIdx.x * BM;
    const int slice = blockIdx.y;
    const long long row_begin = static_cast<long long>(slice) * p.tiles_per_slice * BN;
    const long long row_end = min(p.n, row_begin + static_cast<long long>(p.tiles_per_slice) * BN);
    const int ntiles = static_cast<int>((row_end - row_begin + BN - 1) / BN);
    const int KT = (p.dp + BK - 1) / BK;
    const int total = ntiles * KT;

    for (int r = tid; r < BM; r += NT) {
        const bool valid = q0 + r < p.nq;
        thr_s[r] = valid ? kAdmitAll : kAdmitNone;
        win_s[r] = valid ? p.window[q0 + r] : 0.f;
        cnt_s[r] = 0;
        ovf_s[r] = 0;
    }
    if (tid == 0) {
        need_s = 0;
        for (int st = 0; st < STAGES; ++st) {
            mbar_init(&full_s[st], 1);
        }
        fence_proxy_async();   // the barriers' initialisation, visible to the async proxy
    }
    // This thread's two accumulator rows (wgmma f32 layout: row 16 * warp-in-group + g + 8h,
    // column 8i + 2t + j in register 4i + 2h + j, as in mma.sync's C fragment).
    const int row_lo = wg * 64 + (warp & 3) * 16 + g;
    float qn_r[2];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        const int q = q0 + row_lo + 8 * h;
        qn_r[h] = q < p.nq ? p.qn[q] : 0.f;
    }
    float acc[NACC];
#pragma unroll
    for (int i = 0; i < NACC; ++i) acc[i] = 0.f;
    __syncthreads();

    // Stage `it` of the flattened (tile, 32-dimension chunk) stream into buffer `buf` (thread 0
    // only). Out-of-range queries, rows and dimensions arrive as zeros; rows of the next slice
    // that share the last tile are computed and never admitted (their norms read as NaN).
    auto load_stage = [&](int tile, int kt, int buf) {
        unsigned char* sa = stages + buf * STAGE_BYTES;
        mbar_expect_tx(&full_s[buf], STAGE_BYTES);
        tma_load(sa, &tq, kt * BK, q0, &full_s[buf]);
        tma_load(sa + A_BYTES, &tx, kt * BK, static_cast<int>(row_begin + static_cast<long long>(tile) * BN),
                 &full_s[buf]);
    };

    // Prefetch distance STAGES - 1: after issuing stage it, each warpgroup retires the group of
    // stage it - 1 (wait_group 1) and the barrier makes that true for both, so the buffer of
    // it - 1 can take stage it + STAGES - 1 while the tensor cores still work on stage it.
    // (tile, chunk) counters stepped by one per stage instead of divisions by the runtime KT on
    // the main loop's path: the next stage to load, and the stage being computed.
    int ld_tile = 0;
    int ld_kt = 0;
    auto next_load = [&] {
        if (++ld_kt == KT) {
            ld_kt = 0;
            ++ld_tile;
        }
    };
    for (int st = 0; st < STAGES - 1 && st < total; ++st) {
        if (tid == 0) {
            load_stage(ld_tile, ld_kt, st);
        }
        next_load();
    }
    int tile = 0;
    int kt = 0;

    // Row norm of row `tid` of the current tile: loaded when the tile starts, stored to xn_s when
    // it ends, so its latency hides behind the tile's MMAs. (Loading the norms inside the
    // epilogue put one dependent global load per column on the critical path: 63 % of the
    // kernel's stall samples on visit 7, bench/results/gpu-2026-11-27-h200-visit7.)
    float xpre = 0.f;

    for (int it = 0; it < total; ++it) {
        mbar_wait(&full_s[it % STAGES], static_cast<uint32_t>((it / STAGES) & 1));
        {
            const uint32_t a_base = smem_addr(stages + (it % STAGES) * STAGE_BYTES) + wg * 64 * 128;
            const uint32_t b_base = smem_addr(stages + (it % STAGES) * STAGE_BYTES + A_BYTES);
            pin(acc);
            wgmma_fence();
#pragma unroll
            for (int ks = 0; ks < BK / 8; ++ks) {
                // 8 TF32 values = 32 bytes along K inside the swizzle atom.
                wgmma_m64n256k8(acc, sw128_desc(a_base + ks * 32), sw128_desc(b_base + ks * 32),
                                (kt | ks) != 0);
            }
            wgmma_commit();
        }
        if (kt == 0) {
            const long long row = row_begin + static_cast<long long>(tile) * BN + tid;
            xpre = row < row_end ? __ldg(p.xn + row) : __int_as_float(0x7fc00000);   // NaN: never admitted
        }
        // One branch per path (not a shared flag tested twice): ptxas must see that the path
        // that reads the accumulators is the one that waited for all groups, or it serializes
        // every wgmma (warning C7514).
        if (kt != KT - 1) {
            wgmma_wait<1>();
            __syncthreads();
            if (it + STAGES - 1 < total) {
                if (tid == 0) {
                    load_stage(ld_tile, ld_kt, (it + STAGES - 1) % STAGES);
                }
                next_load();
            }
            ++kt;
            continue;
        }
        wgmma_wait<0>();
        xn_s[tid] = xpre;
        __syncthreads();
        if (it + STAGES - 1 < total) {
            if (tid == 0) {
                load_stage(ld_tile, ld_kt, (it + STAGES - 1) % STAGES);
            }
            next_load();
        }
        pin(acc);

        // Epilogue of one database tile: distances, threshold filter, append (admit_one). A
        // whole-tile vote did not help (visit 10: true for 99.5 % of warp-tiles, since 16 rows x
        // 256 columns nearly always hold one admission); visit 9: 48 % of the samples for a
        // single branchy pass.
        {
            const long long xrow0 = row_begin + static_cast<long long>(tile) * BN;
            // admit iff ordered(dist) < thr  <=>  dist <= ordered_to_float(thr - 1), with
            // kAdmitAll / kAdmitNone as +/-inf; a -0 distance compares like +0 (make_key folds
            // it), and columns past the slice carry NaN norms (xn_s), which no compare admits.
            float thr_f[2];
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                const uint32_t thr = thr_s[row_lo + 8 * h];
                thr_f[h] = thr == kAdmitAll ? __int_as_float(0x7f800000)
                           : thr == kAdmitNone ? __int_as_float(static_cast<int>(0xff800000u))
                                               : ordered_to_float(thr - 1u);
            }
            if (tile == 0 && p.k <= kFirstTileBoundMaxK) {
                // The slice's first tile would admit all 256 of its columns per query (thresholds
                // start at admit-all) and the trim after it would select from them. Instead each
                // row's threshold starts at the k-th smallest of 32 of the tile's own distances
                // (each lane's minimum over 8 of its columns) plus the window: the k-th smallest
                // over the whole slice can only be smaller, so every candidate the exact answer
                // needs is still admitted (warp_compact's argument, over a subset of the keys).
#pragma unroll
                for (int h = 0; h < 2; ++h) {
                    const int row = row_lo + 8 * h;
                    const uint32_t thr0 = thr_s[row];   // read by all 4 lanes before lane 0 writes it
                    uint64_t gk[NACC / 16];
#pragma unroll
                    for (int g = 0; g < NACC / 16; ++g) {
                        uint64_t m = kPadKey;
#pragma unroll
                        for (int i = 4 * g; i < 4 * g + 4; ++i) {
#pragma unroll
                            for (int j = 0; j < 2; ++j) {
                                const float dist = __fmaf_rn(-2.f, acc[4 * i + 2 * h + j], qn_r[h] + xn_s[8 * i + 2 * t + j]);
                                const uint64_t key =
                                    dist == dist ? make_key(dist, static_cast<uint32_t>(xrow0 + 8 * i + 2 * t + j)) : kPadKey;
                                m = key < m ? key : m;
                            }
                        }
                        gk[g] = m;
                    }
                    uint64_t kth = 0;
                    for (int round = 0; round < p.k; ++round) {
                        uint64_t m = kPadKey;
#pragma unroll
                        for (int g = 0; g < NACC / 16; ++g) {
                            m = (gk[g] > kth && gk[g] < m) ? gk[g] : m;
                        }
                        uint64_t o = __shfl_xor_sync(0xffffffffu, m, 1);
                        m = o < m ? o : m;
                        o = __shfl_xor_sync(0xffffffffu, m, 2);
                        kth = o < m ? o : m;
                    }
                    if (kth != kPadKey && thr0 == kAdmitAll) {   // the same in the row's 4 lanes
                        const uint32_t t0 = float_to_ordered(__fadd_ru(key_dist(kth), win_s[row]) + 0.0f) + 1u;
                        thr_f[h] = ordered_to_float(t0 - 1u);
                        if (t == 0) {
                            thr_s[row] = t0;
                        }
                    }
                }
            }
            float thr_y[2];   // LEAN: the pre-test's threshold on |x|^2 - 2 q.x
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                thr_y[h] = (thr_f[h] - qn_r[h]) + win_s[row_lo + 8 * h];
            }
#pragma unroll
            for (int i = 0; i < NACC / 4; ++i) {
                const float2 xv2 = reinterpret_cast<const float2*>(xn_s)[4 * i + t];
                bool go = true;
                if constexpr (LEAN) {
                    bool any = false;
#pragma unroll
                    for (int j = 0; j < 2; ++j) {
#pragma unroll
                        for (int h = 0; h < 2; ++h) {
                            any |= __fmaf_rn(-2.f, acc[4 * i + 2 * h + j], j == 0 ? xv2.x : xv2.y) <= thr_y[h];
                        }
                    }
                    go = __any_sync(0xffffffffu, any);
                }
                if (go) {
#pragma unroll
                    for (int j = 0; j < 2; ++j) {
#pragma unroll
                        for (int h = 0; h < 2; ++h) {
                            admit_one(p, acc[4 * i + 2 * h + j], qn_r[h] + (j == 0 ? xv2.x : xv2.y), thr_f[h],
                                      row_lo + 8 * h, q0, slice, xrow0 + 8 * i + 2 * t + j, cnt_s, &need_s);
                        }
                    }
                }
            }
            __syncthreads();
            if (need_s) {
                // A pass (some row reached the limit) trims every row holding more than
                // max(limit / 8, k) keys, not only the full ones: rows fill at different tiles, and
                // one pass per full row stalled the whole block 54 times per slice (visit 9); and a
                // trimmed row's threshold tightens to its k-th + window, so fewer of the later
                // distances pass the filter and are appended. H200, N = 1e6, d = 256, Q = 1024
                // (bench/results/gpu-2026-11-28-h200-visit18): past limit / 2, as before, k = 10
                // 2.56-2.58 ms; past limit / 4 2.49-2.53; past max(limit / 8, k) 2.43-2.44, k = 32
                // 4.03 -> 3.85; past max(limit / 16, k) no better; starting passes at limit / 2
                // worse (k = 32: 6.3 ms). Any count above k is a valid trim input.
                for (int r = warp; r < BM; r += NT / 32) {
                    if (cnt_s[r] > max(p.limit / 8, p.k)) {
                        uint64_t* gbuf = p.cand + (static_cast<long long>(q0 + r) * p.slices + slice) * p.cap;
                        warp_compact(gbuf, cnt_s[r], p.k, win_s[r], p.limit, lane, &cnt_s[r], &thr_s[r],
                                     &ovf_s[r]);
                    }
                }
                __syncthreads();
                if (tid == 0) {
                    need_s = 0;
                }
                __syncthreads();
            }
        }
        kt = 0;
        ++tile;
    }
    // The last stage always ends a tile (waited above); this only tells ptxas so, which would
    // otherwise guard the loop exit with an injected wait (warning C7517).
    wgmma_wait<0>();
    __syncthreads();

    write_slice_counts<BM, NT>(p, q0, slice, tid, cnt_s, ovf_s);
#else
    // Built for another target: make_plan never picks this kernel there.
    __trap();
#endif
}

}  // namespace

size_t wgmma_fused_smem_bytes() {
    return static_cast<size_t>(STAGES) * STAGE_BYTES + ALIGN;
}

namespace {

using EncodeTiled = CUresult (*)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*,
                                 const cuuint64_t*, const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave,
                                 CUtensorMapSwizzle, CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

// The driver's tensor-map encoder through the runtime, so that nothing links libcuda.
EncodeTiled tensor_map_encoder() {
    static const EncodeTiled fn = [] {
        void* f = nullptr;
        cudaDriverEntryPointQueryResult q{};
        if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &f, 12000, cudaEnableDefault, &q) !=
                cudaSuccess ||
            q != cudaDriverEntryPointSuccess) {
            f = nullptr;
        }
        return reinterpret_cast<EncodeTiled>(f);
    }();
    return fn;
}

// rows x dp float32, row-major (dp * 4 bytes apart, a multiple of 16), read in 32 x box_rows
// boxes with 128-byte swizzle; out-of-range elements read as zero.
cudaError_t make_map(CUtensorMap* map, const float* base, long long rows, int dp, int box_rows) {
    const EncodeTiled encode = tensor_map_encoder();
    if (encode == nullptr) {
        return cudaErrorNotSupported;
    }
    const cuuint64_t dims[2] = {static_cast<cuuint64_t>(dp), static_cast<cuuint64_t>(rows)};
    const cuuint64_t strides[1] = {static_cast<cuuint64_t>(dp) * sizeof(float)};
    const cuuint32_t box[2] = {static_cast<cuuint32_t>(BK), static_cast<cuuint32_t>(box_rows)};
    const cuuint32_t elem_strides[2] = {1, 1};
    const CUresult r = encode(map, CU_TENSOR_MAP_DATA_TYPE_FLOAT32, 2, const_cast<float*>(base), dims, strides, box,
                              elem_strides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                              CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    return r == CUDA_SUCCESS ? cudaSuccess : cudaErrorInvalidValue;
}

}  // namespace

bool wgmma_fused_supported() {
    return tensor_map_encoder() != nullptr;
}

cudaError_t launch_wgmma_fused(const FusedArgs& args, int query_tiles, int slices, bool lean, cudaStream_t stream) {
    if (args.n > 0x7fffffffLL) {
        return cudaErrorInvalidValue;   // TMA row coordinates are 32-bit
    }
    CUtensorMap tq;
    CUtensorMap tx;
    cudaError_t e = make_map(&tq, args.q, args.nq, args.dp, BM);
    if (e == cudaSuccess) {
        e = make_map(&tx, args.x, args.n, args.dp, BN);
    }
    if (e != cudaSuccess) {
        return e;
    }
    const size_t smem = wgmma_fused_smem_bytes();
    auto kernel = lean ? wgmma_knn_kernel<true> : wgmma_knn_kernel<false>;
    e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
    if (e != cudaSuccess) {
        return e;
    }
    kernel<<<dim3(query_tiles, slices), NT, smem, stream>>>(args, tq, tx);
    return cudaGetLastError();
}

}  // namespace mmfuse
