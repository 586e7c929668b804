// Per-op overhead and GEMM throughput of wick's CPU backend.
//
//   build/bench/ops_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//
// Two numbers matter (docs/PERFORMANCE.md): `a + b` on 1-element tensors, which
// is pure dispatch overhead (target <= 1 us, what the PyTorch C++ API costs),
// and sgemm 1024^3 through wick::mm as a fraction of calling cblas_sgemm on the
// same data (target >= 95%). Timings are wall clock (UseRealTime) because the
// large ops run on several threads, where CPU time of the main thread says
// little.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include <wick/wick.h>

namespace {

using wick::Tensor;

// ---- per-op overhead: 1 element, so the kernel is nothing and dispatch is all ----

void BM_add_1elem(benchmark::State& state) {
  Tensor a = wick::ones({1});
  Tensor b = wick::ones({1});
  for (auto _ : state) {
    Tensor c = a + b;
    benchmark::DoNotOptimize(c.raw_data());
  }
}
BENCHMARK(BM_add_1elem);

// The same with a leaf that requires grad: adds the cost of recording a node.
void BM_add_1elem_autograd(benchmark::State& state) {
  Tensor a = wick::ones({1}, {.requires_grad = true});
  Tensor b = wick::ones({1});
  for (auto _ : state) {
    Tensor c = a + b;
    benchmark::DoNotOptimize(c.raw_data());
  }
}
BENCHMARK(BM_add_1elem_autograd);

// ---- smooth activations, float32 [128, 4096], one thread ----
// Forward: y = act(x). Backward: only x.grad's computation is timed (the
// forward that records the graph runs with the timer paused).

constexpr int64_t kActRows = 128, kActCols = 4096;

template <typename Act>
void act_forward(benchmark::State& state, Act act) {
  wick::set_num_threads(1);
  wick::manual_seed(0);
  Tensor x = wick::randn({kActRows, kActCols}) * 3.0;
  for (auto _ : state) {
    Tensor y = act(x);
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.SetItemsProcessed(state.iterations() * kActRows * kActCols);
  wick::set_num_threads(wick::max_num_threads());
}

template <typename Act>
void act_backward(benchmark::State& state, Act act) {
  wick::set_num_threads(1);
  wick::manual_seed(0);
  Tensor x0 = wick::randn({kActRows, kActCols}) * 3.0;
  Tensor g = wick::randn({kActRows, kActCols});
  for (auto _ : state) {
    state.PauseTiming();
    Tensor x = x0.detach().requires_grad_();
    Tensor y = act(x);
    state.ResumeTiming();
    y.backward(g);
    benchmark::DoNotOptimize(x.grad().raw_data());
  }
  state.SetItemsProcessed(state.iterations() * kActRows * kActCols);
  wick::set_num_threads(wick::max_num_threads());
}

namespace F = wick::nn::functional;
const auto kGelu = [](const Tensor& x) { return F::gelu(x); };
const auto kSilu = [](const Tensor& x) { return F::silu(x); };
const auto kElu = [](const Tensor& x) { return F::elu(x, 1.0); };
const auto kSoftplus = [](const Tensor& x) { return F::softplus(x, 1.0, 20.0); };
const auto kMish = [](const Tensor& x) { return F::mish(x); };
BENCHMARK_CAPTURE(act_forward, gelu, kGelu)->UseRealTime();
BENCHMARK_CAPTURE(act_backward, gelu, kGelu)->UseRealTime();
BENCHMARK_CAPTURE(act_forward, silu, kSilu)->UseRealTime();
BENCHMARK_CAPTURE(act_backward, silu, kSilu)->UseRealTime();
BENCHMARK_CAPTURE(act_forward, elu, kElu)->UseRealTime();
BENCHMARK_CAPTURE(act_backward, elu, kElu)->UseRealTime();
BENCHMARK_CAPTURE(act_forward, softplus, kSoftplus)->UseRealTime();
BENCHMARK_CAPTURE(act_backward, softplus, kSoftplus)->UseRealTime();
BENCHMARK_CAPTURE(act_forward, mish, kMish)->UseRealTime();
BENCHMARK_CAPTURE(act_backward, mish, kMish)->UseRealTime();

// ---- bandwidth-bound ops on 1M float32 elements ----

constexpr int64_t kMillion = 1 << 20;

void BM_add_1M(benchmark::State& state) {
  wick::manual_seed(0);
  Tensor a = wick::randn({kMillion});
  Tensor b = wick::randn({kMillion});
  for (auto _ : state) {
    Tensor c = a + b;
    benchmark::DoNotOptimize(c.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * kMillion * 3 * sizeof(float));
}
BENCHMARK(BM_add_1M)->UseRealTime();

void BM_relu_1M(benchmark::State& state) {
  wick::manual_seed(0);
  Tensor a = wick::randn({kMillion});
  for (auto _ : state) {
    Tensor c = wick::relu(a);
    benchmark::DoNotOptimize(c.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * kMillion * 2 * sizeof(float));
}
BENCHMARK(BM_relu_1M)->UseRealTime();

void BM_sum_1M(benchmark::State& state) {
  wick::manual_seed(0);
  Tensor a = wick::randn({kMillion});
  for (auto _ : state) {
    Tensor s = a.sum();
    benchmark::DoNotOptimize(s.raw_data());
  }
  state.SetBytesProcessed(state.iterations() * kMillion * sizeof(float));
}
BENCHMARK(BM_sum_1M)->UseRealTime();

// ---- matrix products ----

// An MNIST-sized linear layer: batch 128, 784 inputs, 10 outputs.
void BM_mm_128x784x10(benchmark::State& state) {
  wick::manual_seed(0);
  Tensor x = wick::randn({128, 784});
  Tensor w = wick::randn({784, 10});
  for (auto _ : state) {
    Tensor y = wick::mm(x, w);
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * 128 * 784 * 10, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_mm_128x784x10)->UseRealTime();

// The same layer's two training products as nn::Linear runs them: the
// forward x . W^T (NT, W [10, 784]) and the weight gradient dY^T . x (TN).
void BM_linear_head_forward(benchmark::State& state) {
  wick::manual_seed(0);
  Tensor x = wick::randn({128, 784});
  Tensor w = wick::randn({10, 784});
  for (auto _ : state) {
    Tensor y = wick::matmul(x, w.t());
    benchmark::DoNotOptimize(y.raw_data());
  }
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * 128 * 784 * 10, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_linear_head_forward)->UseRealTime();

void BM_linear_head_weight_grad(benchmark::State& state) {
  wick::manual_seed(0);
  Tensor x = wick::randn({128, 784});
  Tensor dy = wick::randn({128, 10});
  for (auto _ : state) {
    Tensor dw = wick::matmul(dy.t(), x);
    benchmark::DoNotOptimize(dw.raw_data());
  }
  state.counters["GFLOPS"] =
      benchmark::Counter(2.0 * 128 * 784 * 10, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_linear_head_weight_grad)->UseRealTime();

// The softmax regression step's loss: cross-entropy of [128, 10] logits,
// forward and backward through autograd.
void BM_cross_entropy_128x10(benchmark::State& state) {
  wick::manual_seed(0);
  Tensor logits = wick::randn({128, 10}).requires_grad_(true);
  Tensor target = wick::randint(0, 10, {128});
  for (auto _ : state) {
    Tensor loss = wick::nn::functional::cross_entropy(logits, target);
    loss.backward();
    benchmark::DoNotOptimize(logits.grad().raw_data());
  }
}
BENCHMARK(BM_cross_entropy_128x10)->UseRealTime();

// 64-byte aligned copies of a tensor's values, as wick's allocator aligns its
// storage: the direct OpenBLAS baseline gets the same data and the same alignment.
struct AlignedFloats {
  explicit AlignedFloats(const Tensor& t)
      : n(t.numel()),
        p(static_cast<float*>(std::aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64)), &std::free) {
    Tensor c = t.contiguous();
    std::memcpy(p.get(), c.data_ptr<float>(), n * sizeof(float));
  }
  float* get() const { return p.get(); }
  int64_t n;
  std::unique_ptr<float, decltype(&std::free)> p;
};

void direct_sgemm(int n, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
}

benchmark::Counter gflops(int n) {
  return benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate);
}

// The baseline: cblas_sgemm on preallocated buffers.
void BM_sgemm_openblas(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  wick::manual_seed(0);
  AlignedFloats a(wick::randn({n, n})), b(wick::randn({n, n})), c(wick::zeros({n, n}));
  for (auto _ : state) {
    direct_sgemm(n, a.get(), b.get(), c.get());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPS"] = gflops(n);
}
BENCHMARK(BM_sgemm_openblas)->Arg(1024)->UseRealTime()->Unit(benchmark::kMillisecond);

// wick::mm on the same data, allocating its result as user code does. Each
// iteration also runs the direct call (untimed) so that frac_of_openblas
// compares the two under the same machine load, which a separate run on a
// shared, noisy machine would not: it is time(openblas) / time(wick::mm).
void BM_sgemm_wick_mm(benchmark::State& state) {
  using clock = std::chrono::steady_clock;
  const int n = static_cast<int>(state.range(0));
  wick::manual_seed(0);
  Tensor a = wick::randn({n, n});
  Tensor b = wick::randn({n, n});
  AlignedFloats da(a), db(b), dc(wick::zeros({n, n}));
  double wick_s = 0, blas_s = 0;
  for (auto _ : state) {
    const auto t0 = clock::now();
    {
      Tensor c = wick::mm(a, b);
      benchmark::DoNotOptimize(c.raw_data());
    }
    const auto t1 = clock::now();
    state.PauseTiming();
    const auto t2 = clock::now();
    direct_sgemm(n, da.get(), db.get(), dc.get());
    benchmark::ClobberMemory();
    const auto t3 = clock::now();
    state.ResumeTiming();
    wick_s += std::chrono::duration<double>(t1 - t0).count();
    blas_s += std::chrono::duration<double>(t3 - t2).count();
  }
  state.counters["GFLOPS"] = gflops(n);
  state.counters["frac_of_openblas"] = wick_s > 0 ? blas_s / wick_s : 0;
}
BENCHMARK(BM_sgemm_wick_mm)->Arg(1024)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
