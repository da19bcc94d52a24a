// Scratch timing of one library build (visit 18, bench/results/gpu-2026-11-28-h200-visit18/README.md):
// N=1e6 d=256 Gaussian data, medians of 20 CUDA-event-timed searches after 3 warm-ups, and the lean
// kernel's Q=1024 k=10 and k=16 answers for 16 queries against a float64 brute-force reference (id sets).
#include "mmfuse_knn.h"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <set>
#include <thread>
#include <vector>
#define CK(x) do { int rc_ = (x); if (rc_) { std::printf("error %d: %s\n", rc_, mmfuse_last_error()); return 1; } } while (0)
static std::vector<float> gauss(long long n, uint64_t seed) {
    std::vector<float> v(n);
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    auto uni = [&] { s = s * 6364136223846793005ull + 1442695040888963407ull; return ((s >> 40) + 0.5) / 16777216.0; };
    for (long long i = 0; i < n; i += 2) {
        const double r = std::sqrt(-2.0 * std::log(uni())), t = 6.283185307179586 * uni();
        v[i] = static_cast<float>(r * std::cos(t));
        if (i + 1 < n) v[i + 1] = static_cast<float>(r * std::sin(t));
    }
    return v;
}
int main(int argc, char** argv) {
    const char* label = argc > 1 ? argv[1] : "?";
    const long long n = 1000000;
    const int d = 256;
    std::vector<float> db = gauss(n * d, 7), q = gauss(1024LL * d, 8);
    mmfuse_knn_index* ix = nullptr;
    CK(mmfuse_knn_create(0, d, &ix));
    CK(mmfuse_knn_add(ix, db.data(), n));
    struct R { int nq, k, mode; const char* name; };
    const int F = MMFUSE_FLAG_FUSED_ONLY, L = MMFUSE_FLAG_WGMMA_LEAN_FUSED;
    std::vector<R> runs = {{1024, 10, F | L, "lean"}, {1024, 1, F | L, "lean"}, {1024, 16, F | L, "lean"},
                           {1024, 32, F | L, "lean"}, {256, 10, F | L, "lean"}, {16, 10, F | L, "lean"},
                           {1024, 10, F | MMFUSE_FLAG_WGMMA_RESIDENT_FUSED, "res"}, {1024, 10, F | L, "lean"}};
    for (const R& r : runs) {
        const int iters = 20;
        std::vector<float> ms(iters);
        CK(mmfuse_knn_time_search(ix, q.data(), r.nq, r.k, MMFUSE_MODE_TF32 | r.mode, 3, iters, ms.data()));
        std::sort(ms.begin(), ms.end());
        std::printf("%-10s %-5s Q=%-5d k=%-3d median %.3f ms  min %.3f\n", label, r.name, r.nq, r.k, ms[iters / 2], ms[0]);
        std::fflush(stdout);
    }
    for (int k : {10, 16, 32}) {
        const int nq = 1024, checked = 16;
        std::vector<int> a(nq * k);
        std::vector<float> da(nq * k);
        CK(mmfuse_knn_search(ix, q.data(), nq, k, MMFUSE_MODE_TF32 | L, a.data(), da.data(), nullptr));
        std::vector<int> differ(checked, 0);
        std::vector<std::thread> pool;
        for (int i = 0; i < checked; ++i) {
            pool.emplace_back([&, i] {
                const int qi = i * 67;   // spread over the query tiles
                std::vector<std::pair<double, int>> all(n);
                for (long long j = 0; j < n; ++j) {
                    double s = 0;
                    for (int c = 0; c < d; ++c) { const double t = (double)db[j * d + c] - q[(long long)qi * d + c]; s += t * t; }
                    all[j] = {s, (int)j};
                }
                std::partial_sort(all.begin(), all.begin() + k, all.end());
                std::set<int> ref, got(a.begin() + qi * k, a.begin() + (qi + 1) * k);
                for (int r = 0; r < k; ++r) ref.insert(all[r].second);
                differ[i] = ref != got;
            });
        }
        for (auto& t : pool) t.join();
        int bad = 0;
        for (int b : differ) bad += b;
        std::printf("%-10s lean Q=1024 k=%d vs float64: %d of %d checked queries differ\n", label, k, bad, checked);
        std::fflush(stdout);
    }
    CK(mmfuse_knn_destroy(ix));
    return 0;
}
