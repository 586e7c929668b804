#pragma once
// The nn layer: modules, layers, functional ops, losses, init, summary.
#include "wick/nn/activation.h"
#include "wick/nn/batchnorm.h"
#include "wick/nn/dropout.h"
#include "wick/nn/functional.h"
#include "wick/nn/init.h"
#include "wick/nn/layernorm.h"
#include "wick/nn/linear.h"
#include "wick/nn/loss.h"
#include "wick/nn/module.h"
#include "wick/nn/sequential.h"
#include "wick/nn/summary.h"
#include "wick/nn/utils.h"
