// SPDX-License-Identifier: MIT
// deriv.cpp -- C++ reference for bench/rc/deriv: n symbolic derivatives of x^x with simplifying constructors; never frees.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include "bigstack.h"

enum Kind { VAL, VAR, ADD, MUL, POW, LN };
struct Expr {
  Kind kind;
  int64_t n;            // VAL
  const char* name;     // VAR
  const Expr* l;        // ADD, MUL, POW; LN's argument
  const Expr* r;        // ADD, MUL, POW
};
typedef const Expr* E;

static E mk(Kind k, E l, E r) { return new Expr{ k, 0, nullptr, l, r }; }
static E val(int64_t n) { return new Expr{ VAL, n, nullptr, nullptr, nullptr }; }
static E var(const char* s) { return new Expr{ VAR, 0, s, nullptr, nullptr }; }
static bool is_val(E e, int64_t n) { return e->kind == VAL && e->n == n; }

static int64_t pown(int64_t a, int64_t n) {
  if (n == 0) return 1;
  if (n == 1) return a;
  int64_t b = pown(a, n / 2);
  return b * b * (n % 2 == 0 ? 1 : a);
}

static E add(E f, E g) {
  if (f->kind == VAL && g->kind == VAL) return val(f->n + g->n);
  if (is_val(f, 0)) return g;
  if (is_val(g, 0)) return f;
  if (g->kind == VAL) return add(g, f);
  if (f->kind == VAL && g->kind == ADD && g->l->kind == VAL) return add(val(f->n + g->l->n), g->r);
  if (g->kind == ADD && g->l->kind == VAL) return add(g->l, add(f, g->r));
  if (f->kind == ADD) return add(f->l, add(f->r, g));
  return mk(ADD, f, g);
}

static E mul(E f, E g) {
  if (f->kind == VAL && g->kind == VAL) return val(f->n * g->n);
  if (is_val(f, 0)) return f;
  if (is_val(g, 0)) return g;
  if (is_val(f, 1)) return g;
  if (is_val(g, 1)) return f;
  if (g->kind == VAL) return mul(g, f);
  if (f->kind == VAL && g->kind == MUL && g->l->kind == VAL) return mul(val(f->n * g->l->n), g->r);
  if (g->kind == MUL && g->l->kind == VAL) return mul(g->l, mul(f, g->r));
  if (f->kind == MUL) return mul(f->l, mul(f->r, g));
  return mk(MUL, f, g);
}

static E powr(E f, E g) {
  if (f->kind == VAL && g->kind == VAL) return val(pown(f->n, g->n));
  if (is_val(g, 0)) return val(1);
  if (is_val(g, 1)) return f;
  if (is_val(f, 0)) return f;
  return mk(POW, f, g);
}

static E ln(E f) {
  if (is_val(f, 1)) return val(0);
  return mk(LN, f, nullptr);
}

static E d(const char* x, E e) {
  switch (e->kind) {
    case VAL: return val(0);
    case VAR: return val(std::strcmp(e->name, x) == 0 ? 1 : 0);
    case ADD: return add(d(x, e->l), d(x, e->r));
    case MUL: return add(mul(e->l, d(x, e->r)), mul(e->r, d(x, e->l)));
    case POW: {
      E f = e->l, g = e->r;
      return mul(powr(f, g), add(mul(mul(g, d(x, f)), powr(f, val(-1))), mul(ln(f), d(x, g))));
    }
    default: return mul(d(x, e->l), powr(e->l, val(-1)));
  }
}

static int64_t count(E e) {
  int64_t n = 0;
  for (;;) {
    switch (e->kind) {
      case VAL: case VAR: return n + 1;
      case LN: e = e->l; break;
      default: n += count(e->l); e = e->r; break;
    }
  }
}

static int deriv_main(int argc, char** argv) {
  long n = (argc > 1 ? std::atol(argv[1]) : 10);
  E f = powr(var("x"), var("x"));
  for (long i = 0; i < n; i++) {
    f = d("x", f);
    std::printf("%ld count: %lld\n", i + 1, (long long)count(f));
  }
  std::printf("done\n");
  return 0;
}

int main(int argc, char** argv) { return run_with_big_stack(&deriv_main, argc, argv); }
