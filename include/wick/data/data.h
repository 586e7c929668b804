#pragma once
// Everything of wick::data in one include.
#include "wick/data/cifar10.h"
#include "wick/data/csv.h"
#include "wick/data/dataloader.h"
#include "wick/data/dataset.h"
#include "wick/data/fetch.h"
#include "wick/data/mnist.h"
#include "wick/data/tensor_dataset.h"
#include "wick/data/transforms.h"
