/* SPDX-License-Identifier: MIT */
/* deriv.c -- Perceus workload: n symbolic derivatives of x^x with simplifying constructors, printing each size. */
#include "bench.h"
#include <string.h>

enum { VAL = 1, VAR, ADD, MUL, POW, LN };

typedef struct val_s { rc_obj_t h; int64_t n; } val_t;            /* Val(n): 16 bytes, no fields */
typedef struct var_s { rc_obj_t h; const char* name; } var_t;     /* Var(name): 16 bytes, no fields */
typedef struct bin_s { rc_obj_t h; rc_val_t l, r; } bin_t;        /* Add/Mul/Pow(l, r): 24 bytes */
typedef struct un_s  { rc_obj_t h; rc_val_t e; } un_t;            /* Ln(e): 16 bytes */

static bench_t* B;
static rc_ctx_t* C;

static inline unsigned tag(rc_val_t e) { return rc_obj(e)->tag; }
static inline int64_t  num(rc_val_t e) { return ((val_t*)rc_obj(e))->n; }
static inline bool     is_val(rc_val_t e, int64_t n) { return tag(e) == VAL && num(e) == n; }
static inline rc_val_t lhs(rc_val_t e) { return ((bin_t*)rc_obj(e))->l; }
static inline rc_val_t rhs(rc_val_t e) { return ((bin_t*)rc_obj(e))->r; }

/* Constructors, optionally in the memory of a dead cell of the same size. */
static rc_val_t val_at(rc_reuse_t at, int64_t n) {
  val_t* v = (val_t*)rc_alloc_at(C, at, sizeof(val_t), 0, VAL);
  v->n = n;
  return rc_val(&v->h);
}
static rc_val_t bin_at(rc_reuse_t at, unsigned t, rc_val_t l, rc_val_t r) {
  bin_t* b = (bin_t*)rc_alloc_at(C, at, sizeof(bin_t), 2, (uint16_t)t);
  b->l = l; b->r = r;
  return rc_val(&b->h);
}
static rc_val_t mk_val(int64_t n) { return val_at(RC_NO_REUSE, n); }
static rc_val_t mk_var(const char* s) {
  var_t* v = (var_t*)rc_alloc(C, sizeof(var_t), 0, VAR);
  v->name = s;
  return rc_val(&v->h);
}
static rc_val_t mk_ln(rc_val_t e) {
  un_t* u = (un_t*)rc_alloc(C, sizeof(un_t), 1, LN);
  u->e = e;
  return rc_val(&u->h);
}

/* Take apart a binary node we own. */
static rc_reuse_t open_bin(rc_val_t e, rc_val_t* l, rc_val_t* r) {
  *l = lhs(e); *r = rhs(e);
  return bench_take(B, rc_obj(e));
}
static rc_reuse_t open_leaf(rc_val_t e) { return bench_take(B, rc_obj(e)); }
static void drop(rc_val_t e) { rc_drop(C, e); }

static int64_t pown(int64_t a, int64_t n) {
  if (n == 0) return 1;
  if (n == 1) return a;
  int64_t b = pown(a, n / 2);
  return b * b * (n % 2 == 0 ? 1 : a);
}

static rc_val_t add(rc_val_t f, rc_val_t g) {
  if (tag(f) == VAL && tag(g) == VAL) {                       /* Val n + Val m */
    int64_t s = num(f) + num(g);
    drop(g);
    return val_at(open_leaf(f), s);
  }
  if (is_val(f, 0)) { drop(f); return g; }
  if (is_val(g, 0)) { drop(g); return f; }
  if (tag(g) == VAL) return add(g, f);
  if (tag(f) == VAL && tag(g) == ADD && tag(lhs(g)) == VAL) {  /* Val n + (Val m + h) */
    rc_val_t gl, gr;
    rc_reuse_t tg = open_bin(g, &gl, &gr);
    int64_t s = num(f) + num(gl);
    rc_reuse_release(C, tg);
    drop(gl);
    return add(val_at(open_leaf(f), s), gr);
  }
  if (tag(g) == ADD && tag(lhs(g)) == VAL) {                  /* f + (Val n + h) */
    rc_val_t gl, gr;
    rc_reuse_t tg = open_bin(g, &gl, &gr);
    rc_reuse_release(C, tg);
    return add(gl, add(f, gr));
  }
  if (tag(f) == ADD) {                                        /* (f1 + f2) + g */
    rc_val_t fl, fr;
    rc_reuse_t tf = open_bin(f, &fl, &fr);
    rc_reuse_release(C, tf);
    return add(fl, add(fr, g));
  }
  return bin_at(RC_NO_REUSE, ADD, f, g);
}

static rc_val_t mul(rc_val_t f, rc_val_t g) {
  if (tag(f) == VAL && tag(g) == VAL) {
    int64_t p = num(f) * num(g);
    drop(g);
    return val_at(open_leaf(f), p);
  }
  if (is_val(f, 0)) { drop(g); return f; }
  if (is_val(g, 0)) { drop(f); return g; }
  if (is_val(f, 1)) { drop(f); return g; }
  if (is_val(g, 1)) { drop(g); return f; }
  if (tag(g) == VAL) return mul(g, f);
  if (tag(f) == VAL && tag(g) == MUL && tag(lhs(g)) == VAL) {
    rc_val_t gl, gr;
    rc_reuse_t tg = open_bin(g, &gl, &gr);
    int64_t p = num(f) * num(gl);
    rc_reuse_release(C, tg);
    drop(gl);
    return mul(val_at(open_leaf(f), p), gr);
  }
  if (tag(g) == MUL && tag(lhs(g)) == VAL) {
    rc_val_t gl, gr;
    rc_reuse_t tg = open_bin(g, &gl, &gr);
    rc_reuse_release(C, tg);
    return mul(gl, mul(f, gr));
  }
  if (tag(f) == MUL) {
    rc_val_t fl, fr;
    rc_reuse_t tf = open_bin(f, &fl, &fr);
    rc_reuse_release(C, tf);
    return mul(fl, mul(fr, g));
  }
  return bin_at(RC_NO_REUSE, MUL, f, g);
}

static rc_val_t powr(rc_val_t f, rc_val_t g) {
  if (tag(f) == VAL && tag(g) == VAL) {
    int64_t p = pown(num(f), num(g));
    drop(g);
    return val_at(open_leaf(f), p);
  }
  if (is_val(g, 0)) { drop(f); return val_at(open_leaf(g), 1); }
  if (is_val(g, 1)) { drop(g); return f; }
  if (is_val(f, 0)) { drop(g); return f; }
  return bin_at(RC_NO_REUSE, POW, f, g);
}

static rc_val_t ln(rc_val_t f) {
  if (is_val(f, 1)) return val_at(open_leaf(f), 0);
  return mk_ln(f);
}

/* d/dx of an expression we own. */
static rc_val_t d(const char* x, rc_val_t e) {
  rc_val_t f, g;
  switch (tag(e)) {
    case VAL: return val_at(open_leaf(e), 0);
    case VAR: {
      bool same = strcmp(((var_t*)rc_obj(e))->name, x) == 0;
      return val_at(open_leaf(e), same ? 1 : 0);            /* Var and Val are both 16 bytes */
    }
    case ADD: {
      rc_reuse_t t = open_bin(e, &f, &g);
      rc_reuse_release(C, t);
      return add(d(x, f), d(x, g));
    }
    case MUL: {                                              /* f*g' + g*f' */
      rc_reuse_t t = open_bin(e, &f, &g);
      rc_reuse_release(C, t);
      rc_dup(f); rc_dup(g);
      return add(mul(f, d(x, g)), mul(g, d(x, f)));
    }
    case POW: {                                              /* f^g * ((g*f')*f^-1 + ln f * g') */
      rc_reuse_t t = open_bin(e, &f, &g);
      rc_reuse_release(C, t);
      rc_dup(f); rc_dup(f); rc_dup(f);
      rc_dup(g); rc_dup(g);
      rc_val_t a = powr(f, g);
      rc_val_t b = mul(mul(g, d(x, f)), powr(f, mk_val(-1)));
      rc_val_t c = mul(ln(f), d(x, g));
      return mul(a, add(b, c));
    }
    default: {                                               /* LN: f' * f^-1 */
      f = ((un_t*)rc_obj(e))->e;
      rc_reuse_t t = open_leaf(e);
      rc_reuse_release(C, t);
      rc_dup(f);
      return mul(d(x, f), powr(f, mk_val(-1)));
    }
  }
}

static int64_t count(rc_val_t e) {
  int64_t n = 0;
  for (;;) {
    switch (tag(e)) {
      case VAL: case VAR: return n + 1;
      case LN: e = ((un_t*)rc_obj(e))->e; break;
      default: n += count(lhs(e)); e = rhs(e); break;
    }
  }
}

static void run(bench_t* b) {
  B = b; C = b->ctx;
  rc_val_t f = powr(mk_var("x"), mk_var("x"));
  for (long i = 0; i < b->size; i++) {
    f = d("x", f);
    printf("%ld count: %lld\n", i + 1, (long long)count(f));
  }
  drop(f);
  printf("done\n");
}

int main(int argc, char** argv) {
  return bench_main(argc, argv, "deriv", 10, &run);
}
