#pragma once
// Optimizers and learning-rate schedules in one include (namespace wick::optim).
#include "wick/optim/adam.h"
#include "wick/optim/optimizer.h"
#include "wick/optim/rmsprop.h"
#include "wick/optim/schedule.h"
#include "wick/optim/schedule_decay.h"
#include "wick/optim/schedule_factor.h"
#include "wick/optim/schedule_restarts.h"
#include "wick/optim/schedule_sequential.h"
#include "wick/optim/sgd.h"
