/* SPDX-License-Identifier: MIT */
/* cfold.c -- Perceus workload: build a 2^n-leaf expression, evaluate, right-associate, constant-fold, evaluate again. */
#include "bench.h"

enum { VAR = 1, VAL, ADD, MUL };

typedef struct leaf_s { rc_obj_t h; int64_t n; } leaf_t;        /* Var(n), Val(n): 16 bytes */
typedef struct bin_s  { rc_obj_t h; rc_val_t l, r; } bin_t;     /* Add/Mul(l, r): 24 bytes */

static bench_t* B;
static rc_ctx_t* C;

static inline unsigned tag(rc_val_t e) { return rc_obj(e)->tag; }
static inline int64_t  num(rc_val_t e) { return ((leaf_t*)rc_obj(e))->n; }
static inline rc_val_t lhs(rc_val_t e) { return ((bin_t*)rc_obj(e))->l; }
static inline rc_val_t rhs(rc_val_t e) { return ((bin_t*)rc_obj(e))->r; }
static inline bool is_bin(rc_val_t e, unsigned t) { return tag(e) == t; }

static rc_val_t leaf_at(rc_reuse_t at, unsigned t, int64_t n) {
  leaf_t* v = (leaf_t*)rc_alloc_at(C, at, sizeof(leaf_t), 0, (uint16_t)t);
  v->n = n;
  return rc_val(&v->h);
}
static bin_t* bin_at(rc_reuse_t at, unsigned t, rc_val_t l, rc_val_t r) {
  bin_t* b = (bin_t*)rc_alloc_at(C, at, sizeof(bin_t), 2, (uint16_t)t);
  b->l = l; b->r = r;
  return b;
}
static rc_reuse_t open_bin(rc_val_t e, rc_val_t* l, rc_val_t* r) {
  *l = lhs(e); *r = rhs(e);
  return bench_take(B, rc_obj(e));
}

static rc_val_t mk_expr(int64_t n, int64_t v) {
  if (n == 0) return (v == 0 ? leaf_at(RC_NO_REUSE, VAR, 1) : leaf_at(RC_NO_REUSE, VAL, v));
  rc_val_t l = mk_expr(n - 1, v + 1);
  rc_val_t r = mk_expr(n - 1, v > 0 ? v - 1 : 0);
  return rc_val(&bin_at(RC_NO_REUSE, ADD, l, r)->h);
}

/* append_add(e1, e2): walk e1's spine of `t` nodes, rebuilding it in place
   (tail recursion modulo cons: a hole is filled at each step). */
static rc_val_t append(unsigned t, rc_val_t e1, rc_val_t e2) {
  rc_val_t result;
  rc_val_t* hole = &result;
  while (is_bin(e1, t)) {
    rc_val_t l, r;
    rc_reuse_t at = open_bin(e1, &l, &r);
    bin_t* b = bin_at(at, t, l, RC_IMM(0));
    *hole = rc_val(&b->h);
    hole = &b->r;
    e1 = r;
  }
  *hole = rc_val(&bin_at(RC_NO_REUSE, t, e1, e2)->h);
  return result;
}

static rc_val_t reassoc(rc_val_t e) {
  unsigned t = tag(e);
  if (t != ADD && t != MUL) return e;
  rc_val_t l, r;
  rc_reuse_release(C, open_bin(e, &l, &r));
  rc_val_t l2 = reassoc(l);
  return append(t, l2, reassoc(r));
}

static rc_val_t cfold(rc_val_t e) {
  unsigned t = tag(e);
  if (t != ADD && t != MUL) return e;
  rc_val_t l, r;
  rc_reuse_t at = open_bin(e, &l, &r);
  rc_val_t a = cfold(l);
  rc_val_t b = cfold(r);
  if (tag(a) == VAL && tag(b) == VAL) {                         /* (Val a, Val b) */
    int64_t n = (t == ADD ? num(a) + num(b) : num(a) * num(b));
    rc_reuse_release(C, at);
    rc_drop(C, b);
    return leaf_at(bench_take(B, rc_obj(a)), VAL, n);
  }
  if (tag(a) == VAL && tag(b) == t && (tag(lhs(b)) == VAL || tag(rhs(b)) == VAL)) {
    /* (Val a, op(Val b, e)) and (Val a, op(e, Val b)) -> op(Val(a op b), e) */
    rc_val_t bl, br;
    rc_reuse_t bt = open_bin(b, &bl, &br);
    rc_val_t v = (tag(bl) == VAL ? bl : br), rest = (tag(bl) == VAL ? br : bl);
    int64_t n = (t == ADD ? num(a) + num(v) : num(a) * num(v));
    rc_drop(C, v);
    rc_reuse_release(C, at);
    rc_val_t folded = leaf_at(bench_take(B, rc_obj(a)), VAL, n);
    return rc_val(&bin_at(bt, t, folded, rest)->h);
  }
  return rc_val(&bin_at(at, t, a, b)->h);
}

static int64_t eval(rc_val_t e) {
  int64_t acc = 0;
  for (;;) {                         /* loop down the right spine, recurse on the left */
    switch (tag(e)) {
      case VAR: return acc;
      case VAL: return acc + num(e);
      case ADD: acc += eval(lhs(e)); e = rhs(e); break;
      default:  return acc + eval(lhs(e)) * eval(rhs(e));
    }
  }
}

static void run(bench_t* b) {
  B = b; C = b->ctx;
  rc_val_t e = mk_expr(b->size, 1);
  int64_t v1 = eval(e);
  int64_t v2 = eval(e = cfold(reassoc(e)));
  printf("%lld %lld\n", (long long)v1, (long long)v2);
  rc_drop(C, e);
}

int main(int argc, char** argv) {
  return bench_main(argc, argv, "cfold", 20, &run);
}
