/* SPDX-License-Identifier: MIT */
/* rbtree.c -- Perceus workload: Okasaki red-black tree, n inserts, count of true values (rbtree-ck keeps every 5th version). */
#include "bench.h"
#include <stdlib.h>

enum { RED = 0, BLACK = 1 };
enum { TAG_NODE = 1, TAG_CONS = 2 };
#define LEAF RC_IMM(0)
#define NIL  RC_IMM(0)

/* Node(color, left, key, value, right): two scanned fields then raw data, 32 bytes. */
typedef struct node_s {
  rc_obj_t h;
  rc_val_t left, right;
  int32_t  key;
  uint8_t  color;
  uint8_t  val;
} node_t;

typedef struct fields_s { rc_val_t l, r; int32_t k; bool v; int color; } fields_t;

static bench_t* B;
#define N(t) ((node_t*)rc_obj(t))

static rc_val_t node(rc_reuse_t at, int color, rc_val_t l, int32_t k, bool v, rc_val_t r) {
  node_t* n = (node_t*)rc_alloc_at(B->ctx, at, sizeof(node_t), 2, TAG_NODE);
  n->left = l; n->right = r; n->key = k; n->val = (uint8_t)v; n->color = (uint8_t)color;
  return rc_val(&n->h);
}

/* Match a node we own: copy its fields out, take over its children. */
static rc_reuse_t open_node(rc_val_t t, fields_t* f) {
  node_t* n = N(t);
  f->l = n->left; f->r = n->right; f->k = n->key; f->v = n->val; f->color = n->color;
  return bench_take(B, &n->h);
}

static inline bool is_red(rc_val_t t) {
  return rc_is_obj(t) && N(t)->color == RED;
}

/* `l` is a red node fresh from ins; `at` is the memory of the black parent. */
static rc_val_t balance_left(rc_reuse_t at, rc_val_t l, int32_t k, bool v, rc_val_t r) {
  fields_t a, b;
  if (is_red(N(l)->left)) {
    rc_reuse_t t1 = open_node(l, &a);
    rc_reuse_t t2 = open_node(a.l, &b);
    return node(t1, RED, node(t2, BLACK, b.l, b.k, b.v, b.r), a.k, a.v, node(at, BLACK, a.r, k, v, r));
  }
  if (is_red(N(l)->right)) {
    rc_reuse_t t1 = open_node(l, &a);
    rc_reuse_t t2 = open_node(a.r, &b);
    return node(t1, RED, node(t2, BLACK, a.l, a.k, a.v, b.l), b.k, b.v, node(at, BLACK, b.r, k, v, r));
  }
  rc_reuse_t t1 = open_node(l, &a);
  return node(at, BLACK, node(t1, RED, a.l, a.k, a.v, a.r), k, v, r);
}

static rc_val_t balance_right(rc_reuse_t at, rc_val_t l, int32_t k, bool v, rc_val_t r) {
  fields_t a, b;
  if (is_red(N(r)->left)) {
    rc_reuse_t t1 = open_node(r, &a);
    rc_reuse_t t2 = open_node(a.l, &b);
    return node(t1, RED, node(at, BLACK, l, k, v, b.l), b.k, b.v, node(t2, BLACK, b.r, a.k, a.v, a.r));
  }
  if (is_red(N(r)->right)) {
    rc_reuse_t t1 = open_node(r, &a);
    rc_reuse_t t2 = open_node(a.r, &b);
    return node(t1, RED, node(at, BLACK, l, k, v, a.l), a.k, a.v, node(t2, BLACK, b.l, b.k, b.v, b.r));
  }
  rc_reuse_t t1 = open_node(r, &a);
  return node(at, BLACK, l, k, v, node(t1, RED, a.l, a.k, a.v, a.r));
}

static rc_val_t ins(rc_val_t t, int32_t k, bool v) {
  if (t == LEAF) return node(RC_NO_REUSE, RED, LEAF, k, v, LEAF);
  fields_t a;
  rc_reuse_t at = open_node(t, &a);
  if (a.color == RED) {
    if (k < a.k) return node(at, RED, ins(a.l, k, v), a.k, a.v, a.r);
    if (k == a.k) return node(at, RED, a.l, k, v, a.r);
    return node(at, RED, a.l, a.k, a.v, ins(a.r, k, v));
  }
  if (k < a.k) {
    if (is_red(a.l)) return balance_left(at, ins(a.l, k, v), a.k, a.v, a.r);
    return node(at, BLACK, ins(a.l, k, v), a.k, a.v, a.r);
  }
  if (k == a.k) return node(at, BLACK, a.l, k, v, a.r);
  if (is_red(a.r)) return balance_right(at, a.l, a.k, a.v, ins(a.r, k, v));
  return node(at, BLACK, a.l, a.k, a.v, ins(a.r, k, v));
}

static rc_val_t set_black(rc_val_t t) {
  fields_t a;
  rc_reuse_t at = open_node(t, &a);
  return node(at, BLACK, a.l, a.k, a.v, a.r);
}

static rc_val_t insert(rc_val_t t, int32_t k, bool v) {
  if (is_red(t)) return set_black(ins(t, k, v));
  return ins(t, k, v);
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
  cons_t* c = (cons_t*)rc_alloc(B->ctx, sizeof(cons_t), 2, TAG_CONS);
  c->head = hd; c->tail = tl;
  return rc_val(&c->h);
}
#endif

static void run(bench_t* b) {
  B = b;
  rc_val_t m = LEAF;
#ifndef RBTREE_CK
  for (long n = b->size; n > 0; n--) {
    int32_t k = (int32_t)(n - 1);
    m = insert(m, k, k % 10 == 0);
  }
  printf("%ld\n", fold_count(m));
  rc_drop(b->ctx, m);
#else
  /* every 5th version stays alive in a list: path copying on shared nodes */
  const long freq = 5;
  rc_val_t acc = NIL;
  for (long n = b->size; n > 0; n--) {
    int32_t k = (int32_t)(n - 1);
    m = insert(m, k, k % 10 == 0);
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
