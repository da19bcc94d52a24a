// Fused squared-L2 distance + top-k on Hopper tensor cores through wgmma (sm_90a only; built
// into its own fatbin by build.sh, chosen by make_plan only on compute capability 9.0).
//
// Same contract, candidate buffers, trims and merge as fused_knn_kernel (knn_fused.cu); what
// changes is the main loop (NOTES.md, "wgmma kernel"):
//  - block tile 128 queries x 256 rows, two warpgroups of 64 queries each, one
//    wgmma.m64n256k8 TF32 per 8 dimensions per warpgroup: the 64 x 256 product tile lives in
//    128 accumulator registers per thread and is fed straight from shared memory, so the warps
//    issue no fragment loads or conversions at all (mma.sync needed 1-1.5 LDS per MMA);
//  - 32-dimension stages (128 bytes per row, the 128-byte swizzle atom) filled by cp.async with
//    the swizzle applied on the store, 4 stages deep, one wgmma group kept in flight;
//  - operands are the float32 bits as stored: whether the tensor cores round or truncate them to
//    TF32, the window from prep_queries (kPrepTf32Trunc) covers both.
// TF32 only, k <= kWarpSelectMaxK only (warp trims; 3xTF32 and larger k use knn_fused.cu).
#include "knn_fused_common.cuh"
#include "knn_internal.h"

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
static_assert(NT == 256 && BM == 128 && BN == 256, "two warpgroups, m64n256 each");

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// Byte offset of 16-byte chunk `c` (0..7) of row `r` in a K-major tile with 128-byte swizzle
// (the layout wgmma reads with swizzle mode 1): chunks are permuted by XOR with the row's index
// within its 8-row group, which also spreads a warp's stores over all banks.
__device__ __forceinline__ uint32_t sw128(int r, int c) {
    return static_cast<uint32_t>(r * 128 + ((c ^ (r & 7)) << 4));
}

// Shared-memory matrix descriptor: K-major, 128-byte swizzle, 8-row groups 1024 bytes apart
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

__global__ void __launch_bounds__(NT, 1) wgmma_knn_kernel(const FusedArgs p) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    extern __shared__ __align__(1024) unsigned char smem_raw[];
    __shared__ uint32_t thr_s[BM];   // admit iff ordered(dist) < thr
    __shared__ float win_s[BM];
    __shared__ int cnt_s[BM];
    __shared__ int ovf_s[BM];
    __shared__ int need_s;

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

    // Stage `it` of the flattened (tile, 32-dimension chunk) stream into buffer `buf`, swizzled;
    // rows past the queries or the slice and columns past dp are zero-filled.
    auto load_stage = [&](int it, int buf) {
        const int tile = it / KT;
        const int kt = it - tile * KT;
        const long long xrow0 = row_begin + static_cast<long long>(tile) * BN;
        const int col0 = kt * BK;
        unsigned char* sa = stages + buf * STAGE_BYTES;
        unsigned char* sb = sa + A_BYTES;
#pragma unroll
        for (int i = 0; i < (BM * 8) / NT; ++i) {
            const int c = tid + i * NT;
            const int r = c >> 3;
            const int ch = c & 7;
            const int col = col0 + ch * 4;
            const bool v = (q0 + r < p.nq) && (col < p.dp);
            const float* src = v ? p.q + static_cast<long long>(q0 + r) * p.dp + col : p.q;
            cp_async16(sa + sw128(r, ch), src, v);
        }
#pragma unroll
        for (int i = 0; i < (BN * 8) / NT; ++i) {
            const int c = tid + i * NT;
            const int r = c >> 3;
            const int ch = c & 7;
            const int col = col0 + ch * 4;
            const long long xr = xrow0 + r;
            const bool v = (xr < row_end) && (col < p.dp);
            const float* src = v ? p.x + xr * p.dp + col : p.x;
            cp_async16(sb + sw128(r, ch), src, v);
        }
    };

    // Prefetch distance STAGES - 2: the buffer a load overwrites was last read by the wgmma group
    // two iterations back, which every warpgroup has retired (wait_group 1) before the barrier.
#pragma unroll
    for (int st = 0; st < STAGES - 2; ++st) {
        if (st < total) {
            load_stage(st, st);
        }
        cp_async_commit();
    }

    for (int it = 0; it < total; ++it) {
        cp_async_wait<STAGES - 3>();
        fence_proxy_async();   // cp.async wrote through the generic proxy; wgmma reads async
        __syncthreads();
        {
            const int nxt = it + STAGES - 2;
            if (nxt < total) {
                load_stage(nxt, nxt % STAGES);
            }
            cp_async_commit();
        }
        const int kt = it % KT;
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
        if (kt != KT - 1) {
            wgmma_wait<1>();
            continue;
        }
        wgmma_wait<0>();
        pin(acc);

        // Epilogue of one database tile: distances, threshold filter, append.
        {
            const int tile = it / KT;
            const long long xrow0 = row_begin + static_cast<long long>(tile) * BN;
            uint32_t thr_r[2];
#pragma unroll
            for (int h = 0; h < 2; ++h) thr_r[h] = thr_s[row_lo + 8 * h];
#pragma unroll
            for (int i = 0; i < NACC / 4; ++i) {
#pragma unroll
                for (int j = 0; j < 2; ++j) {
                    const long long col = xrow0 + 8 * i + 2 * t + j;
                    const bool cv = col < row_end;
                    const float xv = cv ? __ldg(p.xn + col) : 0.f;
#pragma unroll
                    for (int h = 0; h < 2; ++h) {
                        const float dist = __fmaf_rn(-2.f, acc[4 * i + 2 * h + j], qn_r[h] + xv);
                        if (cv && float_to_ordered(dist + 0.0f) < thr_r[h]) {
                            const int r = row_lo + 8 * h;
                            const int pos = atomicAdd(&cnt_s[r], 1);
                            p.cand[(static_cast<long long>(q0 + r) * p.slices + slice) * p.cap + pos] =
                                make_key(dist, static_cast<uint32_t>(col));
                            if (pos == p.limit) {
                                need_s = 1;
                            }
                        }
                    }
                }
            }
            __syncthreads();
            if (need_s) {
                for (int r = warp; r < BM; r += NT / 32) {
                    if (cnt_s[r] > p.limit) {
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
    }
    cp_async_wait<0>();
    __syncthreads();

    for (int r = tid; r < BM; r += NT) {
        if (q0 + r < p.nq) {
            p.counts[static_cast<long long>(q0 + r) * p.slices + slice] = cnt_s[r];
            if (ovf_s[r]) {
                p.flags[q0 + r] = 1;
            }
        }
    }
#else
    // Built for another target: make_plan never picks this kernel there.
    __trap();
#endif
}

}  // namespace

size_t wgmma_fused_smem_bytes() {
    return static_cast<size_t>(STAGES) * STAGE_BYTES + ALIGN;
}

cudaError_t launch_wgmma_fused(const FusedArgs& args, int query_tiles, int slices, cudaStream_t stream) {
    const size_t smem = wgmma_fused_smem_bytes();
    cudaError_t e = cudaFuncSetAttribute(wgmma_knn_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         static_cast<int>(smem));
    if (e != cudaSuccess) {
        return e;
    }
    wgmma_knn_kernel<<<dim3(query_tiles, slices), NT, smem, stream>>>(args);
    return cudaGetLastError();
}

}  // namespace mmfuse
