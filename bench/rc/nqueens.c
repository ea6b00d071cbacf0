/* SPDX-License-Identifier: MIT */
/* nqueens.c -- Perceus workload: all solutions of n queens as a list of lists (shared tails); prints their number. */
#include "bench.h"

#define NIL RC_IMM(0)
enum { TAG_CONS = 1 };

typedef struct cons_s { rc_obj_t h; rc_val_t head, tail; } cons_t;   /* 24 bytes */

static bench_t* B;
static rc_ctx_t* C;
#define HD(l) (((cons_t*)rc_obj(l))->head)
#define TL(l) (((cons_t*)rc_obj(l))->tail)

static rc_val_t cons_at(rc_reuse_t at, rc_val_t hd, rc_val_t tl) {
  cons_t* c = (cons_t*)rc_alloc_at(C, at, sizeof(cons_t), 2, TAG_CONS);
  c->head = hd; c->tail = tl;
  return rc_val(&c->h);
}

/* Is `queen` safe against the queens of xs (borrowed)? */
static bool safe(intptr_t queen, intptr_t diag, rc_val_t xs) {
  for (; rc_is_obj(xs); xs = TL(xs), diag++) {
    intptr_t q = rc_int_val(HD(xs));
    if (queen == q || queen == q + diag || queen == q - diag) return false;
  }
  return true;
}

/* Prepend every safe extension of xs (borrowed) to xss (owned); the first
   new cell takes the memory `at` of the cell the caller matched. */
static rc_val_t append_safe(intptr_t queen, rc_val_t xs, rc_val_t xss, rc_reuse_t at) {
  for (; queen > 0; queen--) {
    if (safe(queen, 1, xs)) {
      xss = cons_at(RC_NO_REUSE, cons_at(at, rc_int(queen), rc_dup(xs)), xss);
      at = RC_NO_REUSE;
    }
  }
  rc_reuse_release(C, at);
  return xss;
}

static rc_val_t extend(intptr_t queen, rc_val_t acc, rc_val_t xss) {
  while (rc_is_obj(xss)) {
    rc_val_t xs = HD(xss), rest = TL(xss);
    rc_reuse_t at = bench_take(B, rc_obj(xss));
    acc = append_safe(queen, xs, acc, at);
    rc_drop(C, xs);
    xss = rest;
  }
  return acc;
}

static rc_val_t find_solutions(intptr_t n) {
  rc_val_t xss = cons_at(RC_NO_REUSE, NIL, NIL);        /* [[]] */
  for (intptr_t q = 1; q <= n; q++) xss = extend(n, NIL, xss);
  return xss;
}

static void run(bench_t* b) {
  B = b; C = b->ctx;
  rc_val_t sols = find_solutions(b->size);
  long n = 0;
  for (rc_val_t l = sols; rc_is_obj(l); l = TL(l)) n++;
  printf("%ld\n", n);
  rc_drop(C, sols);
}

int main(int argc, char** argv) {
  return bench_main(argc, argv, "nqueens", 13, &run);
}
