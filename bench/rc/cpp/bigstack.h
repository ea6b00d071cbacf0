// SPDX-License-Identifier: MIT
// bigstack.h -- run a workload's main on a thread with a 1 GiB stack (deep recursion, like bench/rc/bench.c).
#ifndef MIRT_BENCH_RC_CPP_BIGSTACK_H
#define MIRT_BENCH_RC_CPP_BIGSTACK_H
#include <pthread.h>

struct BigStackJob { int (*fn)(int, char**); int argc; char** argv; int result; };

static void* big_stack_thread(void* arg) {
  BigStackJob* j = static_cast<BigStackJob*>(arg);
  j->result = j->fn(j->argc, j->argv);
  return nullptr;
}

// Call fn(argc, argv) on a thread whose stack is reserved at 1 GiB; returns its result.
static int run_with_big_stack(int (*fn)(int, char**), int argc, char** argv) {
  BigStackJob job{ fn, argc, argv, 2 };
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, (size_t)1 << 30);
  pthread_t th;
  if (pthread_create(&th, &attr, &big_stack_thread, &job) != 0) return 2;
  pthread_join(th, nullptr);
  pthread_attr_destroy(&attr);
  return job.result;
}
#endif
