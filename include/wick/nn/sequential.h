#pragma once
// nn::Sequential: children named "0", "1", ... run in order.
//   nn::Sequential model(nn::Flatten(), nn::Linear(784, 10));
#include <memory>
#include <type_traits>

#include "wick/nn/module.h"

namespace wick::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  // Not a copy constructor in disguise: Sequential(other_sequential) copies.
  template <typename M0, typename... Ms,
            typename = std::enable_if_t<std::is_base_of_v<Module, std::decay_t<M0>> &&
                                        (std::is_base_of_v<Module, std::decay_t<Ms>> && ...) &&
                                        !(sizeof...(Ms) == 0 && std::is_same_v<std::decay_t<M0>, Sequential>)>>
  explicit Sequential(M0&& first, Ms&&... modules) {
    push_back(std::forward<M0>(first));
    (push_back(std::forward<Ms>(modules)), ...);
  }
  Sequential(const Sequential& other) : Module(other), layers_() { relink(); }
  Sequential(Sequential&& other) noexcept : Module(std::move(other)) { relink(); }

  // Appends a copy (or the moved) module as child "<size>".
  template <typename M>
  Sequential& push_back(M&& module) {
    using T = std::decay_t<M>;
    static_assert(std::is_base_of_v<Module, T>, "Sequential: every element must derive from nn::Module");
    register_module(std::to_string(layers_.size()), std::make_unique<T>(std::forward<M>(module)));
    relink();
    return *this;
  }

  Tensor forward(const Tensor& input) override;
  size_t size() const { return layers_.size(); }
  Module& operator[](size_t i) const;
  // Typed access: model.at<Linear>(1).weight
  template <typename M>
  M& at(size_t i) const {
    auto* m = dynamic_cast<M*>(&(*this)[i]);
    WICK_CHECK(m != nullptr, "Sequential::at<T>(", i, "): layer ", i, " is a ", (*this)[i].name(), ", not the requested type");
    return *m;
  }
  // A copy with its own parameters (the seed's copy.deepcopy(model)).
  Sequential clone() const { return Sequential(*this); }

 private:
  void relink();
  std::vector<Module*> layers_;  // children() in order, cached for forward
};

}  // namespace wick::nn
