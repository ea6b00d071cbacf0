/* SPDX-License-Identifier: MIT */
/* rbtree.c -- Perceus workload: Okasaki red-black tree, n inserts, count of true values (rbtree-ck keeps every 5th version). */
#include "bench.h"
#include <stdlib.h>

enum { RED = 0, BLACK = 1 };
enum { TAG_NODE = 1, TAG_CONS = 2 };
#define LEAF RC_IMM(0)
#define NIL  RC_IMM(0)
#define HOLE RC_IMM(0)   /* a field still to be filled (TRMC) */

/* Node(color, left, key, value, right): two scanned fields then raw data, 32 bytes. */
typedef struct node_s {
  rc_obj_t h;
  rc_val_t left, right;
  int32_t  key;
  uint8_t  color;
  uint8_t  val;
} node_t;

static inline __attribute__((always_inline)) node_t* N(rc_val_t t) { return (node_t*)rc_obj(t); }

static inline __attribute__((always_inline)) bool is_red(rc_val_t t) {
  return rc_is_obj(t) && N(t)->color == RED;
}

/* Node(color, l, k, v, r) in token `at` (or fresh memory). */
static inline __attribute__((always_inline))
rc_val_t node(rc_ctx_t* ctx, rc_reuse_t at, uint8_t color, rc_val_t l, int32_t k, uint8_t v, rc_val_t r) {
  node_t* n = (node_t*)rc_alloc_at(ctx, at, sizeof(node_t), 2, TAG_NODE);
  n->left = l; n->right = r; n->key = k; n->val = v; n->color = color;
  return rc_val(&n->h);
}

#define GEN_REUSE 1
#define GEN_SUFFIX reuse
#include "rbtree-gen.h"
#undef GEN_REUSE
#undef GEN_SUFFIX
#define GEN_REUSE 0
#define GEN_SUFFIX noreuse
#include "rbtree-gen.h"

static rc_val_t insert(bench_t* b, rc_val_t t, int32_t k, bool v) {
  return (b->reuse ? insert_reuse(b->ctx, t, k, v) : insert_noreuse(b->ctx, t, k, v));
}

/* Count the true values (borrowed walk; depth is O(log n)). */
static long fold_count(rc_val_t t) {
  long n = 0;
  while (rc_is_obj(t)) {
    n += fold_count(N(t)->left) + (N(t)->val ? 1 : 0);
    t = N(t)->right;
  }
  return n;
}

#ifdef RBTREE_CK
typedef struct cons_s { rc_obj_t h; rc_val_t head, tail; } cons_t;
static rc_val_t cons(rc_val_t hd, rc_val_t tl) {
  cons_t* c = (cons_t*)rc_alloc(rt_current(), sizeof(cons_t), 2, TAG_CONS);
  c->head = hd; c->tail = tl;
  return rc_val(&c->h);
}
#endif

static void run(bench_t* b) {
  rc_val_t m = LEAF;
#ifndef RBTREE_CK
  for (long n = b->size; n > 0; n--) {
    int32_t k = (int32_t)(n - 1);
    m = insert(b, m, k, k % 10 == 0);
  }
  printf("%ld\n", fold_count(m));
  rc_drop(b->ctx, m);
#else
  /* every 5th version stays alive in a list: path copying on shared nodes */
  const long freq = 5;
  rc_val_t acc = NIL;
  for (long n = b->size; n > 0; n--) {
    int32_t k = (int32_t)(n - 1);
    m = insert(b, m, k, k % 10 == 0);
    if (k % freq == 0) acc = cons(rc_dup(m), acc);
  }
  acc = cons(m, acc);
  printf("%ld\n", fold_count(((cons_t*)rc_obj(acc))->head));
  rc_drop(b->ctx, acc);
#endif
}

int main(int argc, char** argv) {
#ifndef RBTREE_CK
  return bench_main(argc, argv, "rbtree", 4200000, &run);
#else
  return bench_main(argc, argv, "rbtree-ck", 4200000, &run);
#endif
}
