// Scratch timing of one library build (bench/results/gpu-2026-11-27-h200-visit14/README.md):
// N=1e6 d=256 uniform data, medians of 20 CUDA-event-timed searches after 3 warm-ups, and the
// lean kernel's Q=1024 k=10 answers against the legacy mma.sync kernel's (id sets per query).
#include "mmfuse_knn.h"
#include <algorithm>
#include <cstdio>
#include <cstdint>
#include <set>
#include <vector>
#define CK(x) do { int rc_ = (x); if (rc_) { std::printf("error %d: %s\n", rc_, mmfuse_last_error()); return 1; } } while (0)
static std::vector<float> data(long long n, uint64_t seed) {
    std::vector<float> v(n);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (long long i = 0; i < n; ++i) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        v[i] = static_cast<float>((s >> 40) & 0xffffff) / 16777216.0f * 2.f - 1.f;
    }
    return v;
}
int main(int argc, char** argv) {
    const char* label = argc > 1 ? argv[1] : "?";
    const long long n = 1000000;
    const int d = 256;
    std::vector<float> db = data(n * d, 7), q = data(1024LL * d, 8);
    mmfuse_knn_index* ix = nullptr;
    CK(mmfuse_knn_create(0, d, &ix));
    CK(mmfuse_knn_add(ix, db.data(), n));
    struct R { int nq, k, mode; const char* name; };
    const int F = MMFUSE_FLAG_FUSED_ONLY;
    std::vector<R> runs = {{1024, 10, F | MMFUSE_FLAG_WGMMA_LEAN_FUSED, "lean"}, {1024, 10, F | MMFUSE_FLAG_WGMMA_FUSED, "plain"},
                           {256, 10, F | MMFUSE_FLAG_WGMMA_LEAN_FUSED, "lean"}, {16, 10, F | MMFUSE_FLAG_WGMMA_LEAN_FUSED, "lean"},
                           {1024, 32, F | MMFUSE_FLAG_WGMMA_LEAN_FUSED, "lean"}, {1024, 1, F | MMFUSE_FLAG_WGMMA_LEAN_FUSED, "lean"},
                           {1024, 10, F | MMFUSE_FLAG_WGMMA_LEAN_FUSED, "lean"}};
    for (const R& r : runs) {
        const int iters = 20;
        std::vector<float> ms(iters);
        CK(mmfuse_knn_time_search(ix, q.data(), r.nq, r.k, MMFUSE_MODE_TF32 | r.mode, 3, iters, ms.data()));
        std::sort(ms.begin(), ms.end());
        std::printf("%-10s %-6s Q=%-5d k=%-3d median %.3f ms  min %.3f\n", label, r.name, r.nq, r.k, ms[iters / 2], ms[0]);
    }
    const int nq = 1024, k = 10;
    std::vector<int> a(nq * k), b(nq * k);
    std::vector<float> da(nq * k), dbb(nq * k);
    CK(mmfuse_knn_search(ix, q.data(), nq, k, MMFUSE_MODE_TF32 | MMFUSE_FLAG_WGMMA_LEAN_FUSED, a.data(), da.data(), nullptr));
    CK(mmfuse_knn_search(ix, q.data(), nq, k, MMFUSE_MODE_TF32 | MMFUSE_FLAG_LEGACY_FUSED, b.data(), dbb.data(), nullptr));
    int bad = 0;
    for (int i = 0; i < nq; ++i) {
        std::set<int> sa(a.begin() + i * k, a.begin() + (i + 1) * k), sb(b.begin() + i * k, b.begin() + (i + 1) * k);
        bad += sa != sb;
    }
    std::printf("%-10s lean vs legacy kernel, Q=1024 k=10: %d of %d queries differ\n", label, bad, nq);
    CK(mmfuse_knn_destroy(ix));
    return 0;
}
