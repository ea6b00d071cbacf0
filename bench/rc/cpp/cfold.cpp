// SPDX-License-Identifier: MIT
// cfold.cpp -- C++ reference for bench/rc/cfold: build, evaluate, right-associate, constant-fold, evaluate; never frees.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include "bigstack.h"

enum Kind { VAR, VAL, ADD, MUL };
struct Expr {
  Kind kind;
  int64_t n;          // VAR, VAL
  Expr* l; Expr* r;   // ADD, MUL
};

static Expr* leaf(Kind k, int64_t n) { return new Expr{ k, n, nullptr, nullptr }; }
static Expr* node(Kind k, Expr* l, Expr* r) { return new Expr{ k, 0, l, r }; }

static Expr* mk_expr(int64_t n, int64_t v) {
  if (n == 0) return (v == 0 ? leaf(VAR, 1) : leaf(VAL, v));
  Expr* l = mk_expr(n - 1, v + 1);
  Expr* r = mk_expr(n - 1, v > 0 ? v - 1 : 0);
  return node(ADD, l, r);
}

// copy e1's spine of `k` nodes and hang e2 at its end: (a k b) k e2 = a k (b k e2)
static Expr* append(Kind k, Expr* e1, Expr* e2) {
  Expr* result;
  Expr** hole = &result;
  while (e1->kind == k) {
    Expr* c = node(k, e1->l, nullptr);
    *hole = c;
    hole = &c->r;
    e1 = e1->r;
  }
  *hole = node(k, e1, e2);
  return result;
}

static Expr* reassoc(Expr* e) {
  if (e->kind != ADD && e->kind != MUL) return e;
  Expr* l = reassoc(e->l);
  return append(e->kind, l, reassoc(e->r));
}

static Expr* cfold(Expr* e) {
  Kind k = e->kind;
  if (k != ADD && k != MUL) return e;
  Expr* a = cfold(e->l);
  Expr* b = cfold(e->r);
  if (a->kind == VAL && b->kind == VAL)
    return leaf(VAL, k == ADD ? a->n + b->n : a->n * b->n);
  if (a->kind == VAL && b->kind == k && (b->l->kind == VAL || b->r->kind == VAL)) {
    Expr* v = (b->l->kind == VAL ? b->l : b->r);
    Expr* rest = (b->l->kind == VAL ? b->r : b->l);
    return node(k, leaf(VAL, k == ADD ? a->n + v->n : a->n * v->n), rest);
  }
  return node(k, a, b);
}

static int64_t eval(const Expr* e) {
  int64_t acc = 0;
  for (;;) {
    switch (e->kind) {
      case VAR: return acc;
      case VAL: return acc + e->n;
      case ADD: acc += eval(e->l); e = e->r; break;
      default:  return acc + eval(e->l) * eval(e->r);
    }
  }
}

static int cfold_main(int argc, char** argv) {
  int64_t n = (argc > 1 ? std::atol(argv[1]) : 20);
  Expr* e = mk_expr(n, 1);
  int64_t v1 = eval(e);
  int64_t v2 = eval(cfold(reassoc(e)));
  std::printf("%lld %lld\n", (long long)v1, (long long)v2);
  return 0;
}

int main(int argc, char** argv) { return run_with_big_stack(&cfold_main, argc, argv); }
