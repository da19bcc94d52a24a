// Small kernels around the search: row norms, their maximum, plain pairwise distances.
#include "knn_device.cuh"
#include "knn_internal.h"

#include <algorithm>

namespace mmfuse {
namespace {

// One warp per row; float32 like the query norms, so the error bound covers both.
__global__ void row_norms_kernel(const float* x, long long rows, int dp, float* out) {
    const long long w = (static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
    const int lane = threadIdx.x & 31;
    if (w >= rows) {
        return;
    }
    const float* r = x + w * dp;
    float s = 0.f;
    for (int j = lane; j < dp; j += 32) {
        s = fmaf(r[j], r[j], s);
    }
    s = warp_sum(s);
    if (lane == 0) {
        out[w] = s;
    }
}

constexpr int kMaxThreads = 1024;

__global__ void __launch_bounds__(kMaxThreads) max_reduce_kernel(const float* v, long long n,
                                                                 float* out) {
    __shared__ float part[kMaxThreads / 32];
    float m = 0.f;
    for (long long i = threadIdx.x; i < n; i += kMaxThreads) {
        m = fmaxf(m, v[i]);
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) {
        m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
    }
    if ((threadIdx.x & 31) == 0) {
        part[threadIdx.x >> 5] = m;
    }
    __syncthreads();
    if (threadIdx.x < 32) {
        m = part[threadIdx.x];
#pragma unroll
        for (int o = 16; o > 0; o >>= 1) {
            m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
        }
        if (threadIdx.x == 0) {
            out[0] = m;
        }
    }
}

constexpr int PT = 16;   // pairwise tile: 16 queries x 16 rows
constexpr int PK = 32;   // dims per step

// out[i * ldo + j] = sum_t (q[i,t] - x[j,t])^2, computed directly (no norm expansion).
__global__ void pairwise_kernel(const float* q, int nq, int ldq, const float* x, long long n,
                                int ldx, int dim, float* out, long long ldo) {
    __shared__ float qs[PT][PK + 1];
    __shared__ float xs[PT][PK + 1];
    const int tx = threadIdx.x;
    const int ty = threadIdx.y;
    const int tid = ty * PT + tx;
    const int qb = blockIdx.y * PT;
    const long long xb = static_cast<long long>(blockIdx.x) * PT;
    float acc = 0.f;
    for (int k0 = 0; k0 < dim; k0 += PK) {
        for (int e = tid; e < PT * PK; e += PT * PT) {
            const int r = e / PK;
            const int c = e % PK;
            const bool cin = k0 + c < dim;
            qs[r][c] = (qb + r < nq && cin) ? q[static_cast<long long>(qb + r) * ldq + k0 + c] : 0.f;
            xs[r][c] = (xb + r < n && cin) ? x[(xb + r) * ldx + k0 + c] : 0.f;
        }
        __syncthreads();
#pragma unroll
        for (int c = 0; c < PK; ++c) {
            const float d = qs[ty][c] - xs[tx][c];
            acc = fmaf(d, d, acc);
        }
        __syncthreads();
    }
    const int qi = qb + ty;
    const long long xj = xb + tx;
    if (qi < nq && xj < n) {
        out[static_cast<long long>(qi) * ldo + xj] = acc;
    }
}

}  // namespace

cudaError_t launch_row_norms(const float* x, long long rows, int dp, float* out,
                             cudaStream_t stream) {
    if (rows <= 0) {
        return cudaSuccess;
    }
    const int threads = 256;
    const long long blocks = (rows * 32 + threads - 1) / threads;
    row_norms_kernel<<<static_cast<unsigned>(blocks), threads, 0, stream>>>(x, rows, dp, out);
    return cudaGetLastError();
}

cudaError_t launch_max_reduce(const float* v, long long n, float* out, cudaStream_t stream) {
    max_reduce_kernel<<<1, kMaxThreads, 0, stream>>>(v, n, out);
    return cudaGetLastError();
}

cudaError_t launch_pairwise(const float* q, int nq, int ldq, const float* x, long long n, int ldx,
                            int dim, float* out, long long ldo, cudaStream_t stream) {
    if (nq <= 0 || n <= 0) {
        return cudaSuccess;
    }
    const long long bx = (n + PT - 1) / PT;
    const int by = (nq + PT - 1) / PT;
    if (bx > 0x7fffffffLL || by > 65535) {
        return cudaErrorInvalidValue;
    }
    pairwise_kernel<<<dim3(static_cast<unsigned>(bx), by), dim3(PT, PT), 0, stream>>>(
        q, nq, ldq, x, n, ldx, dim, out, ldo);
    return cudaGetLastError();
}

}  // namespace mmfuse
