// Catalogue rows (docs/ERRORS.md): bad calls into the library — shape, dtype
// and device mismatches in ops, layers and losses, targets out of range,
// autograd misuse, empty datasets, bad options, state_dicts that do not fit.
#include "errors/catalogue.h"
#include "wick/data/data.h"
#include "wick/nn.h"
#include "wick/optim/optim.h"
#include "wick/wick.h"

namespace wick::errors_test {
namespace {

namespace F = wick::nn::functional;

std::vector<Row> rows() {
  using K = Kind;
  return {
      // ---- tensor ops ----
      {"op_broadcast_mismatch", K::Error, [] { zeros({2, 3}) + zeros({4}); }, {"add", "[2, 3]", "[4]"}},
      {"op_matmul_inner_dims", K::Error, [] { matmul(zeros({2, 3}), zeros({4, 5})); }, {"matmul", "[2, 3]", "[4, 5]"}},
      {"op_mm_integer_dtype", K::Error, [] { mm(zeros({2, 2}, {.dtype = kInt64}), zeros({2, 2}, {.dtype = kInt64})); },
       {"mm", "int64"}},
      {"op_mixed_float_dtypes_in_mm", K::Error, [] { mm(zeros({2, 2}), zeros({2, 2}, {.dtype = kFloat64})); },
       {"mm", "float32", "float64"}},
      {"op_reshape_wrong_numel", K::Error, [] { zeros({2, 3}).reshape({4, 2}); }, {"reshape", "[2, 3]", "[4, 2]"}},
      {"op_dim_out_of_range", K::Error, [] { zeros({2, 3}).sum(2); }, {"sum", "2"}},
      {"op_index_out_of_range", K::Error, [] { index_select(zeros({3, 4}), 0, tensor({0, 3})); },
       {"index_select", "3"}},
      {"op_float_index_tensor", K::Error, [] { index_select(zeros({3, 4}), 0, tensor({0.0, 1.0})); },
       {"index_select", "int64", "float32"}},
      {"op_item_on_many_elements", K::Error, [] { zeros({2, 3}).item(); }, {"item", "[2, 3]"}},
      {"op_negative_size", K::Error, [] { zeros({2, -1}); }, {"[2, -1]"}},
      {"op_undefined_tensor", K::Error, [] { add(Tensor(), zeros({1})); }, {"undefined"}},
      {"op_topk_k_too_large", K::Error, [] { topk(zeros({2, 3}), 4); }, {"topk", "k = 4", "size 3", "between 0 and 3"}},
      {"op_norm_integer", K::Error, [] { norm(zeros({3}, {.dtype = kInt64})); }, {"norm", "int64", "kFloat32"}},
      {"op_remainder_integer_by_zero", K::Error,
       [] { remainder(tensor({5, 7, 9}), tensor({2, 0, 1})); },
       {"remainder", "integer division by zero", "x.to(wick::kFloat32)"}},
      {"op_floor_bool", K::Error, [] { floor(zeros({2}, {.dtype = kBool})); }, {"floor", "bool", "x.to(wick::kInt64)"}},
      {"op_amax_empty_dim", K::Error, [] { amax(zeros({2, 0}), {1}); }, {"amax", "[2, 0]", "empty", "non-empty dims"}},
      // ---- devices ----
      {"device_cuda_without_gpu", K::DeviceError, [] { zeros({2}, {.device = Device::cuda()}); }, {"cuda"}},
      {"device_to_cuda_without_gpu", K::DeviceError, [] { zeros({2}).to(Device::cuda()); }, {"cuda"}},
      {"device_unknown_name", K::Error, [] { Device("tpu"); }, {"tpu"}},
      {"threads_too_many", K::Error, [] { set_num_threads(100000); }, {"set_num_threads", "100000", "at most"}},
      // ---- autograd ----
      {"autograd_backward_without_grad", K::Error, [] { zeros({2}).sum().backward(); }, {"backward", "require"}},
      {"autograd_backward_non_scalar", K::Error,
       [] { (ones({2}, {.requires_grad = true}) * 2.0).backward(); }, {"backward", "scalar"}},
      {"autograd_backward_twice", K::Error,
       [] {
         Tensor w = ones({3}, {.requires_grad = true});
         Tensor loss = (w * w).sum();
         loss.backward();
         loss.backward();
       },
       {"backward", "retain_graph"}},
      {"autograd_inplace_on_saved_tensor", K::Error,
       [] {
         Tensor w = ones({3}, {.requires_grad = true});
         Tensor y = w * 2.0;
         Tensor z = (y * y).sum();
         y.add_(1.0);
         z.backward();
       },
       {"modified by an inplace operation", "version"}},
      {"autograd_requires_grad_on_int64", K::Error, [] { zeros({3}, {.dtype = kInt64}).requires_grad_(); },
       {"int64"}},
      // ---- layers ----
      {"layer_linear_in_features", K::Error, [] { nn::Linear(4, 2)(zeros({3, 5})); }, {"[3, 5]", "4"}},
      {"layer_linear_negative_size", K::Error, [] { nn::Linear(-1, 2); }, {"Linear", "-1"}},
      {"layer_batchnorm_channels", K::Error, [] { nn::BatchNorm1d(4)(zeros({8, 3})); }, {"BatchNorm1d", "4", "3"}},
      {"layer_batchnorm_one_value_per_channel", K::Error, [] { nn::BatchNorm1d(3)(zeros({1, 3})); },
       {"more than 1 value per channel", "[1, 3]", "eval()"}},
      {"layer_dropout_p_out_of_range", K::Error, [] { nn::Dropout(1.5); }, {"Dropout", "1.5"}},
      {"layer_dropout2d_rank", K::Error, [] { nn::functional::dropout2d(zeros({4, 3}), 0.5, true); },
       {"dropout2d", "4-D input [N, C, H, W]", "Tensor[4, 3]", "use dropout"}},
      {"layer_softplus_beta_zero", K::Error, [] { nn::Softplus({.beta = 0}); },
       {"Softplus", "beta=0", "finite nonzero"}},
      {"layer_adaptive_pool_negative_size", K::Error, [] { nn::AdaptiveAvgPool2d({-1, 3}); },
       {"AdaptiveAvgPool2d", "output_size (-1, 3)", "negative side"}},
      {"layer_adaptive_pool_empty_plane", K::Error,
       [] { nn::AdaptiveMaxPool2d(1)(zeros({2, 3, 0, 4})); },
       {"adaptive_max_pool2d", "height 0", "at least one pixel"}},
      {"layer_conv2d_channels", K::Error, [] { nn::Conv2d(3, 8, 3)(zeros({2, 1, 28, 28})); },
       {"Conv2d(3, 8)", "[N, 3, H, W]", "[2, 1, 28, 28]"}},
      {"layer_conv2d_flat_input", K::Error, [] { nn::Conv2d(1, 8, 3)(zeros({2, 784})); },
       {"Conv2d(1, 8)", "reshape flat images to [N, C, H, W]"}},
      {"layer_conv2d_kernel_too_large", K::Error, [] { nn::Conv2d(1, 8, 5)(zeros({2, 1, 3, 3})); },
       {"conv2d", "3x3", "5x5", "no output position"}},
      {"layer_conv2d_groups_not_dividing", K::Error, [] { nn::Conv2d(6, 4, 3, {.groups = 4}); },
       {"Conv2d(6, 4, groups=4)", "in_channels 6", "not divisible by groups 4", "multiples of groups"}},
      {"layer_conv2d_same_with_stride", K::Error, [] { nn::Conv2d(1, 4, 3, {.stride = 2, .padding = "same"}); },
       {"Conv2d", "padding=\"same\" needs stride 1", "stride (2, 2)", "padding = (1, 1)"}},
      {"layer_conv2d_padding_string", K::Error, [] { nn::Conv2d(1, 4, 3, {.padding = "full"}); },
       {"padding", "\"full\"", "\"same\", \"valid\""}},
      {"layer_maxpool_padding", K::Error, [] { nn::MaxPool2d(2, {.padding = 2})(zeros({1, 1, 8, 8})); },
       {"max_pool2d", "padding", "half"}},
      {"layer_avgpool_divisor_zero", K::Error,
       [] { nn::AvgPool2d(2, {.divisor_override = 0})(zeros({1, 1, 8, 8})); },
       {"avg_pool2d", "divisor_override is 0"}},
      {"layer_batchnorm2d_rank", K::Error, [] { nn::BatchNorm2d(4)(zeros({8, 4})); },
       {"BatchNorm2d(4)", "4D", "BatchNorm1d"}},
      {"layer_sequential_shape_chain", K::Error,
       [] {
         nn::Sequential s;
         s.push_back(nn::Linear(4, 8));
         s.push_back(nn::Linear(3, 2));
         s.forward(zeros({2, 4}));
       },
       {"[2, 8]", "3"}},
      // ---- losses ----
      {"loss_cross_entropy_target_out_of_range", K::Error,
       [] { F::cross_entropy(zeros({2, 3}), tensor({0, 3})); }, {"cross_entropy", "3"}},
      {"loss_cross_entropy_negative_target", K::Error,
       [] { F::cross_entropy(zeros({2, 3}), tensor({-1, 0})); }, {"cross_entropy", "-1"}},
      {"loss_cross_entropy_float_class_indices", K::Error,
       [] { F::cross_entropy(zeros({2, 3}), tensor({0.0, 1.0})); }, {"cross_entropy"}},
      {"loss_cross_entropy_target_shape", K::Error,
       [] { F::cross_entropy(zeros({4, 3}), zeros({3}, {.dtype = kInt64})); }, {"cross_entropy", "[4, 3]", "[3]"}},
      {"loss_bce_given_logits", K::Error,
       [] { F::binary_cross_entropy(tensor({-2.0, 0.5, 3.0}), tensor({0.0, 1.0, 1.0})); },
       {"binary_cross_entropy", "[0, 1]", "logits", "BCEWithLogitsLoss"}},
      {"loss_mse_shape_mismatch", K::Error, [] { F::mse_loss(zeros({4, 1}), zeros({4})); },
       {"mse_loss", "[4, 1]", "[4]"}},
      {"loss_mse_integer_input", K::Error, [] { F::mse_loss(tensor({1, 2, 3}), zeros({3})); },
       {"mse_loss", "int64"}},
      {"loss_unknown_reduction", K::Error, [] { F::mse_loss(zeros({3}), zeros({3}), {.reduction = "avg"}); },
       {"avg"}},
      {"loss_nll_target_out_of_range", K::Error, [] { F::nll_loss(zeros({2, 3}), tensor({5, 0})); },
       {"nll_loss", "5"}},
      // ---- data ----
      {"data_batch_size_zero", K::Error,
       [] {
         data::TensorDataset ds(zeros({4, 2}), zeros({4}));
         data::DataLoader(ds, {.batch_size = 0});
       },
       {"batch_size", "0"}},
      {"data_empty_dataset", K::Error,
       [] {
         data::TensorDataset ds(zeros({0, 2}), zeros({0}));
         data::DataLoader(ds, {});
       },
       {"empty"}},
      {"data_tensor_dataset_length_mismatch", K::Error, [] { data::TensorDataset(zeros({3, 2}), zeros({4})); },
       {"TensorDataset", "[3, 2]", "[4]"}},
      {"data_index_out_of_range", K::Error,
       [] {
         data::TensorDataset ds(zeros({3, 2}), zeros({3}));
         ds.get(3);
       },
       {"TensorDataset::get", "3"}},
      {"data_random_split_lengths", K::Error,
       [] {
         data::TensorDataset ds(zeros({10, 2}), zeros({10}));
         data::random_split(ds, {3, 4});
       },
       {"random_split", "10"}},
      {"data_random_split_huge_length", K::Error,
       [] {
         data::TensorDataset ds(zeros({10, 2}), zeros({10}));
         data::random_split(ds, {1e300, 10});
       },
       {"random_split", "1e+300", "10 examples"}},
      {"data_transform_changes_batch_rows", K::Error,
       [] {
         data::TensorDataset ds(zeros({4, 2}), zeros({4}));
         data::DataLoader loader(ds, {.batch_size = 4, .transform = [](const Tensor& x) { return x.slice(0, 0, 1); }});
         loader.begin();
       },
       {"DataLoader", "transform", "[4, 2]", "4 targets"}},
      {"data_loader_shard_rank_out_of_world", K::Error,
       [] {
         data::TensorDataset ds(zeros({4, 2}), zeros({4}));
         data::DataLoader loader(ds, {.batch_size = 2, .rank = 2, .world_size = 2});
       },
       {"DataLoader", "rank 2", "world of 2"}},
      {"data_loader_start_batch_beyond_epoch", K::Error,
       [] {
         data::TensorDataset ds(zeros({4, 2}), zeros({4}));
         data::DataLoader loader(ds, {.batch_size = 2});
         loader.set_start_batch(3);
       },
       {"DataLoader::set_start_batch", "batch 3", "2 batches", "0..2"}},
      {"data_random_crop_fill_per_channel", K::Error,
       [] { data::RandomCrop(2, {.padding = 1, .fill = {0.1, 0.2}})(zeros({1, 3, 4, 4})); },
       {"RandomCrop", "2 fill values", "3 channels", "one per channel"}},
      // ---- data-parallel collectives (in this process: a world of one) ----
      {"distributed_all_reduce_dtype", K::Error,
       [] {
         Tensor t = zeros({4}, {.dtype = kUInt8});
         distributed::all_reduce(t);
       },
       {"distributed::all_reduce", "uint8", "float32, float64 and int64"}},
      {"distributed_all_reduce_non_contiguous", K::Error,
       [] {
         Tensor t = zeros({3, 4}).transpose(0, 1);
         distributed::all_reduce(t);
       },
       {"distributed::all_reduce", "non-contiguous", "contiguous()"}},
      {"distributed_broadcast_root_out_of_world", K::Error,
       [] {
         Tensor t = zeros({4});
         distributed::broadcast(t, 1);
       },
       {"distributed::broadcast", "root 1", "0..0"}},
      {"data_normalize_nan_std", K::Error, [] { data::Normalize({0.5}, {std::nan("")}); }, {"Normalize", "std", "nan"}},
      // ---- modules, state_dicts, optimizers ----
      {"state_dict_missing_key", K::Error,
       [] {
         nn::Linear l(3, 2);
         TensorDict sd = l.state_dict();
         TensorDict partial;
         partial.insert("weight", sd.at("weight"));
         l.load_state_dict(partial);
       },
       {"bias"}},
      {"state_dict_unexpected_key", K::Error,
       [] {
         nn::Linear l(3, 2);
         TensorDict sd = l.state_dict();
         sd.insert("scale", zeros({1}));
         l.load_state_dict(sd);
       },
       {"scale"}},
      {"state_dict_shape_mismatch", K::Error,
       [] {
         nn::Linear l(3, 2);
         l.load_state_dict(nn::Linear(4, 2).state_dict());
       },
       {"weight", "[2, 4]", "[2, 3]"}},
      {"optim_sgd_without_lr", K::Error,
       [] {
         nn::Linear l(3, 2);
         optim::SGD(l.parameters(), {});
       },
       {"SGD", "lr"}},
      {"optim_adam_negative_lr", K::Error,
       [] {
         nn::Linear l(3, 2);
         optim::Adam(l.parameters(), {.lr = -1});
       },
       {"Adam", "lr"}},
      {"optim_adam_bad_beta", K::Error,
       [] {
         nn::Linear l(3, 2);
         optim::Adam(l.parameters(), {.betas = {0.9, 1.5}});
       },
       {"Adam", "1.5"}},
      {"optim_no_parameters", K::Error, [] { optim::SGD({}, {.lr = 0.1}); }, {"SGD"}},
      {"nn_embedding_index_out_of_range", K::Error,
       [] { nn::Embedding(5, 3)(from_vector<int64_t>({1, 7})); }, {"embedding", "index 7", "0 .. 4"}},
      {"nn_embedding_float_indices", K::Error,
       [] { nn::Embedding(5, 3)(from_vector<float>({1, 2})); }, {"embedding", "int64", "float32"}},
      {"nn_embedding_sparse", K::Error,
       [] { nn::Embedding(5, 3, {.sparse = true}); }, {"Embedding", "sparse=true", "sparse=false"}},
      {"nn_module_list_forward", K::Error,
       [] { nn::ModuleList list; list(zeros({1})); }, {"ModuleList", "forward"}},
      // Anomaly mode (issue 7): the backward op that produced Inf is named.
      {"autograd_anomaly_inf_in_backward", K::Error,
       [] {
         Tensor x = from_vector<float>({0.0f, 1.0f}, {2}).requires_grad_(true);
         Tensor loss = log(x).sum();
         detect_anomaly guard;
         loss.backward();
       },
       {"LogBackward", "forward op 'log'", "Inf"}},
  };
}

class ApiErrors : public ::testing::TestWithParam<Row> {};
TEST_P(ApiErrors, RejectedCleanly) { check_row(GetParam()); }
INSTANTIATE_TEST_SUITE_P(Catalogue, ApiErrors, ::testing::ValuesIn(rows()),
                         [](const ::testing::TestParamInfo<Row>& i) { return i.param.id; });

}  // namespace
}  // namespace wick::errors_test
