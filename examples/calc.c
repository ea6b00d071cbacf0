/* SPDX-License-Identifier: MIT */
/* calc.c -- example: a tiny expression-language interpreter embedding mirt (rc values, bounded release, rt_tick safe points).
 *
 *   expr := "let" NAME "=" expr "in" expr | "if" expr "then" expr "else" expr | cmp
 *   cmp  := sum (("<" | "=") sum)?      sum := prod (("+" | "-") prod)*
 *   prod := atom (("*" | "/") atom)*    atom := INT | NAME | NAME "(" expr ")" | "(" expr ")"
 * Builtins on lists: range(n), sum(xs), len(xs), rev(xs), sq(xs).
 *
 * Usage: calc [-s] ['program' ...]   (no program: run the built-in demo and check it)
 * The syntax tree, environments and lists are rc objects; the interpreter
 * calls rt_tick at its safe points (every few thousand steps), which is
 * where dropped structures are released when a drop exceeds its budget.
 */
/* The demo checks that allocs == frees: the inline paths count only with
   RC_STATS=1 (see rc_stats_t); an interpreter that does not print them can
   leave it out. */
#define RC_STATS 1
#include <mirt/runtime.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { T_NUM = 1, T_VAR, T_BIN, T_LET, T_IF, T_CALL, T_CONS, T_ENV, T_NIL };

typedef struct node_s { rc_obj_t h; rc_val_t f[3]; } node_t;     /* AST node, cons or env cell */
#define F(v, i) (((node_t*)rc_obj(v))->f[i])
#define TAG(v)  (rc_obj(v)->tag)

static rc_ctx_t* ctx;
static node_t nil_obj;                       /* the empty list: a static object */
#define NIL rc_val(&nil_obj.h)
static unsigned long steps;

static rc_val_t mk(uint16_t tag, unsigned n, rc_val_t a, rc_val_t b, rc_val_t c) {
  node_t* o = (node_t*)rc_alloc(ctx, sizeof(rc_obj_t) + n * sizeof(rc_val_t), n, tag);
  rc_val_t f[3] = { a, b, c };
  for (unsigned i = 0; i < n; i++) o->f[i] = f[i];
  return rc_val(&o->h);
}
static rc_val_t cons_at(rc_reuse_t at, rc_val_t hd, rc_val_t tl) {
  node_t* o = (node_t*)rc_alloc_at(ctx, at, sizeof(rc_obj_t) + 2 * sizeof(rc_val_t), 2, T_CONS);
  o->f[0] = hd; o->f[1] = tl;
  return rc_val(&o->h);
}

/* A safe point: the interpreter holds no half-built object here. */
static inline void safe_point(void) {
  if ((++steps & 4095) == 0) rt_tick(ctx, 4096);
}

/* ---------------------------------------------------------------------
   Names and errors
--------------------------------------------------------------------- */
static char names[64][16];
static int nnames;
static int intern(const char* s, size_t n) {
  for (int i = 0; i < nnames; i++) if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0) return i;
  if (nnames == 64 || n >= 16) { fprintf(stderr, "calc: too many or too long names\n"); exit(2); }
  memcpy(names[nnames], s, n);
  names[nnames][n] = 0;
  return nnames++;
}
static void fail(const char* what, const char* at) {
  fprintf(stderr, "calc: %s at '%.20s'\n", what, at);
  exit(2);
}

/* ---------------------------------------------------------------------
   Parser (recursive descent; builds the tree as rc objects)
--------------------------------------------------------------------- */
static const char* src;
static void skip(void) { while (isspace((unsigned char)*src)) src++; }
static bool word(const char* w) {
  skip();
  size_t n = strlen(w);
  if (strncmp(src, w, n) != 0 || isalnum((unsigned char)src[n])) return false;
  src += n;
  return true;
}
static bool sym(char c) { skip(); if (*src != c) return false; src++; return true; }
static void expect(char c) { if (!sym(c)) fail("expected a symbol", src); }

static rc_val_t parse_expr(void);
static rc_val_t parse_atom(void) {
  skip();
  if (isdigit((unsigned char)*src)) {
    long v = strtol(src, (char**)&src, 10);
    return mk(T_NUM, 1, rc_int(v), 0, 0);
  }
  if (isalpha((unsigned char)*src)) {
    const char* s = src;
    while (isalnum((unsigned char)*src)) src++;
    int id = intern(s, (size_t)(src - s));
    if (sym('(')) { rc_val_t a = parse_expr(); expect(')'); return mk(T_CALL, 2, rc_int(id), a, 0); }
    return mk(T_VAR, 1, rc_int(id), 0, 0);
  }
  if (sym('(')) { rc_val_t e = parse_expr(); expect(')'); return e; }
  fail("unexpected input", src);
  return 0;
}
static rc_val_t parse_bin(int level) {
  static const char* ops[] = { "<=", "+-", "*/" };
  if (level == 3) return parse_atom();
  rc_val_t l = parse_bin(level + 1);
  for (;;) {
    skip();
    if (*src == 0 || strchr(ops[level], *src) == NULL) return l;
    char op = *src++;
    l = mk(T_BIN, 3, rc_int(op), l, parse_bin(level + 1));
    if (level == 0) return l;
  }
}
static rc_val_t parse_expr(void) {
  if (word("let")) {
    skip();
    const char* s = src;
    while (isalnum((unsigned char)*src)) src++;
    if (src == s) fail("expected a name", src);
    int id = intern(s, (size_t)(src - s));
    expect('=');
    rc_val_t e1 = parse_expr();
    if (!word("in")) fail("expected 'in'", src);
    return mk(T_LET, 3, rc_int(id), e1, parse_expr());
  }
  if (word("if")) {
    rc_val_t c = parse_expr();
    if (!word("then")) fail("expected 'then'", src);
    rc_val_t t = parse_expr();
    if (!word("else")) fail("expected 'else'", src);
    return mk(T_IF, 3, c, t, parse_expr());
  }
  return parse_bin(0);
}

/* ---------------------------------------------------------------------
   Builtins: they consume their list argument (FBIP: rev and sq rebuild
   unique cells in place through reuse tokens)
--------------------------------------------------------------------- */
static intptr_t as_int(rc_val_t v, const char* what) {
  if (!rc_is_imm(v)) { fprintf(stderr, "calc: %s needs a number\n", what); exit(2); }
  return rc_int_val(v);
}
static rc_val_t as_list(rc_val_t v, const char* what) {
  if (rc_is_imm(v)) { fprintf(stderr, "calc: %s needs a list\n", what); exit(2); }
  return v;
}

static rc_val_t builtin(const char* fn, rc_val_t arg) {
  if (strcmp(fn, "range") == 0) {
    rc_val_t l = NIL;
    for (intptr_t i = as_int(arg, fn); i > 0; i--) { l = cons_at(RC_NO_REUSE, rc_int(i - 1), l); safe_point(); }
    return l;
  }
  if (strcmp(fn, "sum") == 0 || strcmp(fn, "len") == 0) {
    bool sum = (fn[0] == 's');
    intptr_t acc = 0;
    for (rc_val_t l = as_list(arg, fn); l != NIL; l = F(l, 1)) { acc += (sum ? as_int(F(l, 0), fn) : 1); safe_point(); }
    rc_drop(ctx, arg);                           /* possibly huge: bounded, finished at safe points */
    return rc_int(acc);
  }
  if (strcmp(fn, "rev") == 0) {
    rc_val_t acc = NIL, l = as_list(arg, fn);
    while (l != NIL) {
      rc_val_t hd = F(l, 0), tl = F(l, 1);
      acc = cons_at(rc_reuse_take(ctx, rc_obj(l)), hd, acc);
      l = tl;
      safe_point();
    }
    return acc;
  }
  if (strcmp(fn, "sq") == 0) {
    rc_val_t result = NIL, *hole = &result, l = as_list(arg, fn);
    while (l != NIL) {
      rc_val_t hd = F(l, 0), tl = F(l, 1);
      intptr_t x = as_int(hd, fn);
      rc_val_t c = cons_at(rc_reuse_take(ctx, rc_obj(l)), rc_int(x * x), NIL);
      *hole = c;
      hole = &F(c, 1);
      l = tl;
      safe_point();
    }
    return result;
  }
  fprintf(stderr, "calc: unknown function %s\n", fn);
  exit(2);
}

/* ---------------------------------------------------------------------
   Evaluation: the tree and the environment are borrowed, the result owned
--------------------------------------------------------------------- */
static rc_val_t eval(rc_val_t e, rc_val_t env) {
  safe_point();
  switch (TAG(e)) {
    case T_NUM: return F(e, 0);
    case T_VAR: {
      for (rc_val_t b = env; b != NIL; b = F(b, 2)) if (F(b, 0) == F(e, 0)) return rc_dup(F(b, 1));
      fprintf(stderr, "calc: unbound name %s\n", names[rc_int_val(F(e, 0))]);
      exit(2);
    }
    case T_BIN: {
      intptr_t a = as_int(eval(F(e, 1), env), "an operator");
      intptr_t b = as_int(eval(F(e, 2), env), "an operator");
      switch ((char)rc_int_val(F(e, 0))) {
        case '+': return rc_int(a + b);
        case '-': return rc_int(a - b);
        case '*': return rc_int(a * b);
        case '/': if (b == 0) { fprintf(stderr, "calc: division by zero\n"); exit(2); } return rc_int(a / b);
        case '<': return rc_int(a < b);
        default:  return rc_int(a == b);
      }
    }
    case T_LET: {
      rc_val_t v = eval(F(e, 1), env);
      rc_val_t env2 = mk(T_ENV, 3, F(e, 0), v, rc_dup(env));
      rc_val_t r = eval(F(e, 2), env2);
      rc_drop(ctx, env2);                        /* releases v unless the result kept it */
      return r;
    }
    case T_IF: return eval(as_int(eval(F(e, 0), env), "if") ? F(e, 1) : F(e, 2), env);
    default:   return builtin(names[rc_int_val(F(e, 0))], eval(F(e, 1), env));
  }
}

/* Format a value into buf (lists: the first ten elements). */
static void format_value(char* buf, size_t size, rc_val_t v) {
  if (rc_is_imm(v)) { snprintf(buf, size, "%ld", (long)rc_int_val(v)); return; }
  size_t n = (size_t)snprintf(buf, size, "[");
  int k = 0;
  for (rc_val_t l = v; l != NIL && n < size; l = F(l, 1), k++) {
    if (k == 10) { n += (size_t)snprintf(buf + n, size - n, ", ..."); break; }
    n += (size_t)snprintf(buf + n, size - n, k ? ", %ld" : "%ld", (long)rc_int_val(F(l, 0)));
  }
  if (n < size) snprintf(buf + n, size - n, "]");
}

static rc_val_t run(const char* program) {
  src = program;
  rc_val_t tree = parse_expr();
  skip();
  if (*src != 0) fail("trailing input", src);
  rc_val_t v = eval(tree, NIL);
  rc_drop(ctx, tree);
  return v;
}

static const struct { const char* program; const char* expect; } demo[] = {
  { "let xs = range(1000000) in sum(sq(xs))", "333332833333500000" },
  { "let xs = range(100) in len(rev(xs))", "100" },
  { "rev(range(5))", "[4, 3, 2, 1, 0]" },
  { "let a = 6 in let b = 7 in a * b - 2", "40" },
  { "if 3 < 4 then sum(rev(range(10))) else 0", "45" },
};

int main(int argc, char** argv) {
  bool stats = (argc > 1 && strcmp(argv[1], "-s") == 0);
  int first = stats ? 2 : 1;
  rt_config_t cfg;
  rt_config_default(&cfg);
  cfg.drop_budget = 256;                          /* an interpreter wants short pauses */
  rt_init(&cfg);
  ctx = rt_thread_attach();
  rc_init_static(&nil_obj.h, 0, T_NIL);
  int bad = 0;
  if (argc > first) {
    for (int i = first; i < argc; i++) {
      rc_val_t v = run(argv[i]);
      char buf[256];
      format_value(buf, sizeof buf, v);
      printf("%s\n", buf);
      rc_drop(ctx, v);
    }
  }
  else {
    for (size_t i = 0; i < sizeof demo / sizeof demo[0]; i++) {
      rc_val_t v = run(demo[i].program);
      char buf[256];
      format_value(buf, sizeof buf, v);
      bool ok = strcmp(buf, demo[i].expect) == 0;
      printf("%-45s => %s%s\n", demo[i].program, buf, ok ? "" : "   (WRONG)");
      bad += !ok;
      rc_drop(ctx, v);
    }
  }
  while (rt_tick(ctx, 4096) > 0) { }              /* finish what the last drops left */
  rt_stats_t st;
  rt_thread_stats(ctx, &st);
  if (stats) {
    fprintf(stderr, "allocs %llu frees %llu reuse %llu ticks %llu heartbeats %llu max drop %llu objects, max pending %llu\n",
            (unsigned long long)st.rc.allocs, (unsigned long long)st.rc.frees,
            (unsigned long long)st.rc.reuse_hits, (unsigned long long)st.rc.ticks,
            (unsigned long long)st.rc.heartbeats, (unsigned long long)st.rc.max_drop,
            (unsigned long long)st.rc.max_pending);
  }
  if (st.rc.allocs != st.rc.frees) { fprintf(stderr, "calc: %llu objects not released\n",
                                             (unsigned long long)(st.rc.allocs - st.rc.frees)); bad++; }
  rt_shutdown();
  return bad ? 1 : 0;
}
