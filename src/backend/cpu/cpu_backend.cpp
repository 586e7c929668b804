// The CPU backend: binds the kernels of backend/cpu/ and the caching
// allocator to the Backend interface.
#include <cstring>
#include <string_view>

#include "backend/backend.h"
#include "backend/cpu/allocator.h"
#include "backend/cpu/kernels.h"

namespace wick::backend {
namespace {

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }

  bool supports(const char* op, DType dtype) const override {
    const std::string_view o(op);
    if (o == "gemm" || o == "softmax" || o == "softmax_backward") return is_floating(dtype);
    static constexpr std::string_view kAllDtypes[] = {
        "fill",   "copy",       "unary",        "binary", "where",   "reduce",    "arg_reduce",
        "gather", "index_select", "scatter",    "index_add", "random",  "sort",      "cumulative"};
    for (std::string_view known : kAllDtypes)
      if (o == known) return true;
    return false;
  }

  void* allocate(size_t nbytes, int) override { return allocator_.allocate(nbytes); }
  void deallocate(void* ptr, size_t nbytes, int) override { allocator_.deallocate(ptr, nbytes); }
  MemoryStats memory_stats(int) const override { return allocator_.stats(); }
  void empty_cache() override { allocator_.empty_cache(); }
  void copy_to_host(void* host_dst, const void* src, size_t nbytes, int) override {
    if (nbytes) std::memcpy(host_dst, src, nbytes);
  }
  void copy_from_host(void* dst, const void* host_src, size_t nbytes, int) override {
    if (nbytes) std::memcpy(dst, host_src, nbytes);
  }
  void synchronize(int) override {}  // CPU kernels complete before returning

  void fill(const View& out, double value) override { cpu::fill(out, value); }
  void copy(const View& out, const View& in) override { cpu::copy(out, in); }
  void unary(UnaryOp op, const View& out, const View& in, double alpha, double beta) override {
    cpu::unary(op, out, in, alpha, beta);
  }
  void binary(BinaryOp op, const View& out, const View& a, const View& b) override { cpu::binary(op, out, a, b); }
  void where(const View& out, const View& cond, const View& a, const View& b) override {
    cpu::where(out, cond, a, b);
  }
  void reduce(ReduceOp op, const View& out, const View& in, double scale) override {
    cpu::reduce(op, out, in, scale);
  }
  void arg_reduce(ReduceOp op, const View& values, const View& indices, const View& in, int dim) override {
    cpu::arg_reduce(op, values, indices, in, dim);
  }
  void softmax(const View& out, const View& in, int dim, bool log) override { cpu::softmax(out, in, dim, log); }
  void softmax_backward(const View& grad_in, const View& grad_out, const View& out, int dim, bool log) override {
    cpu::softmax_backward(grad_in, grad_out, out, dim, log);
  }
  void gemm(const GemmArgs& args) override { cpu::gemm(args); }
  void index_select(const View& out, const View& in, int dim, const View& index) override {
    cpu::index_select(out, in, dim, index);
  }
  void gather(const View& out, const View& in, int dim, const View& index) override {
    cpu::gather(out, in, dim, index);
  }
  void scatter(const View& self, int dim, const View& index, const View& src, bool accumulate) override {
    cpu::scatter(self, dim, index, src, accumulate);
  }
  void index_add(const View& self, int dim, const View& index, const View& src) override {
    cpu::index_add(self, dim, index, src);
  }
  void sort(const View& values, const View& indices, const View& in, int dim, bool descending) override {
    cpu::sort(values, indices, in, dim, descending);
  }
  void cumulative(ReduceOp op, const View& out, const View& in, int dim, bool reverse) override {
    cpu::cumulative(op, out, in, dim, reverse);
  }
  void random(RandomOp op, const View& out, double a, double b, uint64_t seed, uint64_t offset) override {
    cpu::random(op, out, a, b, seed, offset);
  }

 private:
  cpu::CachingAllocator allocator_;
};

}  // namespace

Backend* cpu_backend() {
  // Function-local static: constructed on first use (thread-safe), and no
  // static registration the linker could drop from the static library.
  static CpuBackend instance;
  return &instance;
}

}  // namespace wick::backend
