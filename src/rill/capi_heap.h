// Internal: the trainer handle behind the C API (rill.h), shared by
// capi_heap.cpp and capi_threads.cpp. Heap builds only: the firmware's C API
// (capi.h, capi.cpp) knows no trainer.
#pragma once
#include "rill/capi.h"
#include "rill/train.h"

// A trainer and the model view that samples from it.
struct rill_trainer {
  rill::Trainer trainer;     // its config() and data() are the run's facts
  void* mem = nullptr;       // the memory of the trainer's arena
  rill::Arena arena;         // the Trainer keeps a pointer to it
  float* points = nullptr;   // a copy of the user's points
  std::int32_t* labels = nullptr;  // ... and of their labels (rill_trainer_new_labeled)
  float* cond = nullptr;           // ... or condition vectors
  void* view_mem = nullptr;  // scratch for sampling the model being trained
  rill_model view;           // the trained model seen through the model API
  rill::Message error;
  void* threads = nullptr;   // capi_threads.cpp: the pool shared by trainer and view
  void (*release_threads)(rill_trainer*) = nullptr;
};
