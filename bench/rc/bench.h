/* SPDX-License-Identifier: MIT */
/* bench.h -- shared driver of the Perceus workloads: options, runtime setup, a big stack, statistics. */
#ifndef MIRT_BENCH_RC_H
#define MIRT_BENCH_RC_H

#include <mirt/runtime.h>
#include <stdio.h>

typedef struct bench_s {
  rc_ctx_t* ctx;       /* the workload thread's context */
  long      size;      /* first argument, or the workload's default */
  bool      reuse;     /* Perceus reuse (default) or --no-reuse */
  int       threads;   /* --threads=N (binarytrees; default: online CPUs) */
} bench_t;

typedef void (bench_fun)(bench_t* b);

/* Parse `[size] [--no-reuse] [--eager|--bounded] [--drop-budget=N] [--tick-budget=N]
   [--soft-limit=N] [--pause-us=N] [--time-drops] [--stats] [--threads=N]`, start the runtime,
   run `run` on an attached thread with a 1 GiB stack, print statistics on
   stderr with --stats, and fail when objects leaked. */
int bench_main(int argc, char** argv, const char* name, long default_size, bench_fun* run);

/* A match on `o` whose fields the caller takes: its memory as a token when
   reuse is on and `o` is unique, else RC_NO_REUSE (a unique shell is freed). */
static inline rc_reuse_t bench_take(bench_t* b, rc_obj_t* o) {
  rc_reuse_t r = rc_reuse_take(b->ctx, o);
  if (!b->reuse && r != RC_NO_REUSE) { rc_reuse_release(b->ctx, r); r = RC_NO_REUSE; }
  return r;
}

#endif /* MIRT_BENCH_RC_H */
