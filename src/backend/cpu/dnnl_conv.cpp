#include "backend/cpu/dnnl_conv.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "backend/cpu/thread_pool.h"
#include "wick/error.h"

namespace wick::backend::cpu {

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using DT = memory::data_type;

const dnnl::engine& cpu_engine() {
  static const dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// A stream is not thread-safe: one per thread that runs a share.
dnnl::stream& thread_stream() {
  thread_local dnnl::stream s(cpu_engine());
  return s;
}

// Per-thread, 64-byte aligned buffers that grow to the largest convolution
// seen: the blocked copies of the operands and oneDNN's scratchpad, so a
// training step does not allocate. Slot numbers are fixed per role.
enum Slot { kSrc, kWeights, kDst, kScratchpad, kSlots };
class ThreadBuffers {
 public:
  void* get(int slot, size_t bytes) {
    if (bytes > cap_[slot]) {
      const size_t rounded = (bytes + 63) / 64 * 64;
      void* p = std::aligned_alloc(64, rounded);
      WICK_CHECK(p != nullptr, "conv2d (oneDNN): out of memory allocating ", rounded, " bytes of scratch");
      buf_[slot].reset(static_cast<char*>(p));
      cap_[slot] = rounded;
    }
    return buf_[slot].get();
  }

 private:
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  std::unique_ptr<char, Free> buf_[kSlots];
  size_t cap_[kSlots] = {};
};
thread_local ThreadBuffers t_buffers;

// The user scratchpad mode: each thread passes its own buffer, so one
// primitive may run on several threads at once (one share each).
dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return a;
}

void execute(const dnnl::primitive& p, const memory::desc& scratchpad, std::unordered_map<int, memory> args) {
  dnnl::stream& s = thread_stream();
  if (const size_t bytes = scratchpad.get_size(); bytes > 0)
    args.emplace(DNNL_ARG_SCRATCHPAD, memory(scratchpad, cpu_engine(), t_buffers.get(kScratchpad, bytes)));
  p.execute(s, args);
  s.wait();
}

// One operand: wick's plain layout and the one the primitive chose (with
// format_tag::any it picks blocked layouts such as nChw16c, which its fast
// kernels need), and the reorder between them when they differ.
struct Operand {
  memory::desc plain, chosen;
  std::optional<dnnl::reorder> reorder;  // plain -> chosen (inputs), chosen -> plain (outputs)
  memory::desc reorder_scratchpad;

  Operand(const memory::desc& p, const memory::desc& c, bool is_input) : plain(p), chosen(c) {
    if (plain == chosen) return;
    const dnnl::reorder::primitive_desc pd = is_input
        ? dnnl::reorder::primitive_desc(cpu_engine(), plain, cpu_engine(), chosen, user_scratchpad())
        : dnnl::reorder::primitive_desc(cpu_engine(), chosen, cpu_engine(), plain, user_scratchpad());
    reorder.emplace(pd);
    reorder_scratchpad = pd.scratchpad_desc();
  }

  // The operand as the primitive reads it: the user's data itself, or its
  // copy in the chosen layout.
  memory input(const float* data, Slot slot) const {
    memory user(plain, cpu_engine(), const_cast<float*>(data));  // read only
    if (!reorder) return user;
    memory copy(chosen, cpu_engine(), t_buffers.get(slot, chosen.get_size()));
    execute(*reorder, reorder_scratchpad, {{DNNL_ARG_FROM, user}, {DNNL_ARG_TO, copy}});
    return copy;
  }
  // Where the primitive writes the operand; finish() then lays it out plainly.
  memory output(float* data, Slot slot) const {
    if (!reorder) return memory(plain, cpu_engine(), data);
    return memory(chosen, cpu_engine(), t_buffers.get(slot, chosen.get_size()));
  }
  void finish(const memory& written, float* data) const {
    if (!reorder) return;
    execute(*reorder, reorder_scratchpad, {{DNNL_ARG_FROM, written}, {DNNL_ARG_TO, memory(plain, cpu_engine(), data)}});
  }
};

// The three primitives of one geometry (one batch share), built once.
struct Conv {
  dnnl::convolution_forward fwd;
  dnnl::convolution_backward_data bwd_data;
  dnnl::convolution_backward_weights bwd_weights;
  memory::desc fwd_scratchpad, bwd_data_scratchpad, bwd_weights_scratchpad, bias;
  Operand fwd_src, fwd_weights, fwd_dst;
  Operand bd_diff_dst, bd_weights, bd_diff_src;
  Operand bw_src, bw_diff_dst, bw_diff_weights;

  static Conv make(const ConvShape& s) {
    // Grouped: oneDNN takes the groups as a leading weight dim (goihw),
    // which is PyTorch's [O, C / groups, kh, kw] memory as it is.
    const bool grouped = s.groups > 1;
    const memory::dims src{s.n, s.c, s.h, s.w}, dst{s.n, s.o, s.oh, s.ow};
    const memory::dims wei = grouped ? memory::dims{s.groups, s.o / s.groups, s.c / s.groups, s.kh, s.kw}
                                     : memory::dims{s.o, s.c, s.kh, s.kw};
    // oneDNN counts dilation from 0 (a dense kernel); PyTorch from 1. Its
    // right/bottom padding is PyTorch's too: both round the output size down
    // (padding="same" gives an exact, possibly one larger, bottom/right).
    const memory::dims strides{s.sh, s.sw}, dilation{s.dh - 1, s.dw - 1}, pad{s.ph, s.pw},
        pad_end{s.ph_end, s.pw_end};
    const memory::desc any_src(src, DT::f32, Tag::any), any_wei(wei, DT::f32, Tag::any),
        any_dst(dst, DT::f32, Tag::any), bias_md = s.bias ? memory::desc({s.o}, DT::f32, Tag::x) : memory::desc();
    const memory::desc plain_src(src, DT::f32, Tag::nchw), plain_wei(wei, DT::f32, grouped ? Tag::goihw : Tag::oihw),
        plain_dst(dst, DT::f32, Tag::nchw);
    const auto algo = dnnl::algorithm::convolution_direct;
    const dnnl::primitive_attr attr = user_scratchpad();
    const dnnl::convolution_forward::primitive_desc fpd(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, any_src, any_wei, bias_md, any_dst,
                                        strides, dilation, pad, pad_end),
        attr, cpu_engine());
    const dnnl::convolution_backward_data::primitive_desc dpd(
        dnnl::convolution_backward_data::desc(algo, any_src, any_wei, any_dst, strides, dilation, pad, pad_end), attr,
        cpu_engine(), fpd);
    const dnnl::convolution_backward_weights::primitive_desc wpd(
        dnnl::convolution_backward_weights::desc(algo, any_src, any_wei, bias_md, any_dst, strides, dilation, pad,
                                                 pad_end),
        attr, cpu_engine(), fpd);
    return Conv{dnnl::convolution_forward(fpd),
                dnnl::convolution_backward_data(dpd),
                dnnl::convolution_backward_weights(wpd),
                fpd.scratchpad_desc(),
                dpd.scratchpad_desc(),
                wpd.scratchpad_desc(),
                bias_md,
                Operand(plain_src, fpd.src_desc(), true),
                Operand(plain_wei, fpd.weights_desc(), true),
                Operand(plain_dst, fpd.dst_desc(), false),
                Operand(plain_dst, dpd.diff_dst_desc(), true),
                Operand(plain_wei, dpd.weights_desc(), true),
                Operand(plain_src, dpd.diff_src_desc(), false),
                Operand(plain_src, wpd.src_desc(), true),
                Operand(plain_dst, wpd.diff_dst_desc(), true),
                Operand(plain_wei, wpd.diff_weights_desc(), false)};
  }
};

// oneDNN parallelizes with OpenMP, using omp_get_max_threads() threads of
// the calling thread. Within a share it must use one (the pool already runs
// the others), so this sets that for the duration and restores the caller's
// setting, which a program with OpenMP loops of its own may rely on.
class OneOmpThread {
 public:
  OneOmpThread() : saved_(omp_get_max_threads()) {
    if (saved_ != 1) omp_set_num_threads(1);
  }
  ~OneOmpThread() {
    if (saved_ != 1) omp_set_num_threads(saved_);
  }
  OneOmpThread(const OneOmpThread&) = delete;
  OneOmpThread& operator=(const OneOmpThread&) = delete;

 private:
  int saved_;
};

using Key = std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, bool>;

std::string describe(const ConvShape& s) {
  std::string d = "input [" + std::to_string(s.n) + ", " + std::to_string(s.c) + ", " + std::to_string(s.h) + ", " +
                  std::to_string(s.w) + "], weight [" + std::to_string(s.o) + ", " + std::to_string(s.c / s.groups) +
                  ", " + std::to_string(s.kh) + ", " + std::to_string(s.kw) + "], stride (" + std::to_string(s.sh) +
                  ", " + std::to_string(s.sw) + "), padding (" + std::to_string(s.ph) + ", " + std::to_string(s.pw) +
                  ")";
  if (s.ph_end != s.ph || s.pw_end != s.pw)
    d += " top/left and (" + std::to_string(s.ph_end) + ", " + std::to_string(s.pw_end) + ") bottom/right";
  d += ", dilation (" + std::to_string(s.dh) + ", " + std::to_string(s.dw) + ")";
  if (s.groups != 1) d += ", groups " + std::to_string(s.groups);
  return d;
}

// The primitives of geometry `s`, built on first use; null when oneDNN
// declines it, remembered so that a declined geometry costs one failed
// build, not one per call. A training run sees a handful of geometries (one
// or two batch shares per layer, plus the last, smaller batch), so the cache
// is a plain map, never evicted: a returned pointer stays valid.
const Conv* find_or_build(const ConvShape& s, std::string* why = nullptr) {
  static std::mutex mutex;
  static std::map<Key, std::unique_ptr<Conv>> cache;
  const Key key{s.n, s.c, s.h, s.w, s.o, s.kh, s.kw, s.groups, s.sh, s.sw, s.ph, s.pw, s.ph_end, s.pw_end, s.dh, s.dw,
                s.bias};
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it == cache.end()) {
    std::unique_ptr<Conv> built;
    try {
      // oneDNN fixes a kernel's thread count when it builds it (the
      // backward-weights reduction, for one), so it is built for the one
      // thread it runs on; built for more, it would start OpenMP threads.
      OneOmpThread one;
      built = std::make_unique<Conv>(Conv::make(s));
    } catch (const dnnl::error& e) {
      if (why) *why = std::string(e.what()) + " (status " + std::to_string(static_cast<int>(e.status)) + ")";
    }
    it = cache.emplace(key, std::move(built)).first;
  }
  return it->second.get();
}

const Conv& lookup(const ConvShape& s) {
  std::string why = "declined earlier";
  const Conv* c = find_or_build(s, &why);
  WICK_CHECK(c != nullptr, "conv2d: oneDNN has no float32 convolution for ", describe(s), ": ", why,
             "; rebuild wick with -DWICK_DNNL=OFF to use the im2col path");
  return *c;
}

// How many batch shares: one per pool thread, but none smaller than about
// 2 MFLOP (small convolutions do not spawn threads) nor under one sample.
int shares(const ConvShape& s) {
  const double flops =
      2.0 * static_cast<double>(s.n * s.o * s.oh * s.ow) * static_cast<double>(s.c / s.groups * s.kh * s.kw);
  const int64_t by_work = std::max<int64_t>(1, static_cast<int64_t>(flops / (1 << 21)));
  return static_cast<int>(std::min<int64_t>({num_threads(), s.n, by_work}));
}

// Share i of `count`: samples [first, first + n).
struct Share {
  int64_t first, n;
};
Share share(const ConvShape& s, int i, int count) {
  const int64_t a = s.n * i / count, b = s.n * (i + 1) / count;
  return {a, b - a};
}
ConvShape with_batch(ConvShape s, int64_t n) {
  s.n = n;
  return s;
}

// Runs fn(primitives, first sample, share index) for each of `count`
// shares, on the pool. The primitives are looked up here, on the calling
// thread, and anything a share throws is rethrown here too: an exception
// must not leave a pool task.
template <class Fn>
void for_shares(const ConvShape& s, int count, Fn&& fn) {
  const Share first_share = share(s, 0, count);
  const Conv& first = lookup(with_batch(s, first_share.n));
  const Conv& last = lookup(with_batch(s, share(s, count - 1, count).n));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(count));
  run_chunks(count, [&](int i) {
    const Share sh = share(s, i, count);
    try {
      OneOmpThread one;
      fn(sh.n == first_share.n ? first : last, sh.first, i);
    } catch (const dnnl::error& e) {  // wick's callers expect wick::Error
      errors[static_cast<size_t>(i)] = std::make_exception_ptr(
          Error(std::string("conv2d: oneDNN failed on ") + describe(s) + ": " + e.what() +
                "; rebuild wick with -DWICK_DNNL=OFF to use the im2col path"));
    } catch (...) {
      errors[static_cast<size_t>(i)] = std::current_exception();
    }
  });
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace

bool dnnl_conv2d_supported(const ConvShape& s) {
  const int count = shares(s);
  // The share sizes differ by at most one sample: two geometries at most.
  return find_or_build(with_batch(s, share(s, 0, count).n)) != nullptr &&
         find_or_build(with_batch(s, share(s, count - 1, count).n)) != nullptr;
}

void dnnl_conv2d_forward(const ConvShape& s, const float* x, const float* w, const float* b, float* y) {
  const int64_t in_sample = s.c * s.h * s.w, out_sample = s.o * s.oh * s.ow;
  for_shares(s, shares(s), [&](const Conv& c, int64_t first, int) {
    float* out = y + first * out_sample;
    const memory dst = c.fwd_dst.output(out, kDst);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, c.fwd_src.input(x + first * in_sample, kSrc)},
                                         {DNNL_ARG_WEIGHTS, c.fwd_weights.input(w, kWeights)},
                                         {DNNL_ARG_DST, dst}};
    if (s.bias) args.emplace(DNNL_ARG_BIAS, memory(c.bias, cpu_engine(), const_cast<float*>(b)));
    execute(c.fwd, c.fwd_scratchpad, std::move(args));
    c.fwd_dst.finish(dst, out);
  });
}

void dnnl_conv2d_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const int64_t in_sample = s.c * s.h * s.w, out_sample = s.o * s.oh * s.ow;
  for_shares(s, shares(s), [&](const Conv& c, int64_t first, int) {
    float* out = dx + first * in_sample;
    const memory diff_src = c.bd_diff_src.output(out, kSrc);
    execute(c.bwd_data, c.bwd_data_scratchpad,
            {{DNNL_ARG_DIFF_DST, c.bd_diff_dst.input(dy + first * out_sample, kDst)},
             {DNNL_ARG_WEIGHTS, c.bd_weights.input(w, kWeights)},
             {DNNL_ARG_DIFF_SRC, diff_src}});
    c.bd_diff_src.finish(diff_src, out);
  });
}

void dnnl_conv2d_backward_weights(const ConvShape& s, const float* x, const float* dy, float* dw, float* db) {
  WICK_CHECK(db == nullptr || s.bias, "conv2d backward (oneDNN): a bias gradient was asked of a geometry without bias");
  const int64_t in_sample = s.c * s.h * s.w, out_sample = s.o * s.oh * s.ow;
  const int64_t wsize = s.o * (s.c / s.groups) * s.kh * s.kw;
  const int count = shares(s);
  // Share 0 writes into dw/db; the others into partial sums added after.
  // A bias geometry always yields db: without a db to fill it goes to a
  // partial buffer as well.
  std::vector<float> partial(static_cast<size_t>(count) * static_cast<size_t>(wsize + s.o));
  for_shares(s, count, [&](const Conv& c, int64_t first, int i) {
    float* dw_i = i == 0 ? dw : partial.data() + i * (wsize + s.o);
    float* db_i = i == 0 && db ? db : partial.data() + i * (wsize + s.o) + wsize;
    const memory diff_w = c.bw_diff_weights.output(dw_i, kWeights);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, c.bw_src.input(x + first * in_sample, kSrc)},
                                         {DNNL_ARG_DIFF_DST, c.bw_diff_dst.input(dy + first * out_sample, kDst)},
                                         {DNNL_ARG_DIFF_WEIGHTS, diff_w}};
    if (s.bias) args.emplace(DNNL_ARG_DIFF_BIAS, memory(c.bias, cpu_engine(), db_i));
    execute(c.bwd_weights, c.bwd_weights_scratchpad, std::move(args));
    c.bw_diff_weights.finish(diff_w, dw_i);
  });
  for (int i = 1; i < count; ++i) {
    const float* p = partial.data() + i * (wsize + s.o);
    for (int64_t k = 0; k < wsize; ++k) dw[k] += p[k];
    if (db)
      for (int64_t k = 0; k < s.o; ++k) db[k] += p[wsize + k];
  }
}

}  // namespace wick::backend::cpu
