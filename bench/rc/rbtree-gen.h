/* SPDX-License-Identifier: MIT */
/* rbtree-gen.h -- rbtree's insert as a Perceus compiler emits it; included twice by rbtree.c (GEN_REUSE 1 and 0).
 *
 * One function per source function, everything else always-inline: a match
 * reads the fields straight from the cell, takes the cell as a reuse token
 * (one header test) and rebuilds in it; `ctx` travels in a register.  The
 * no-reuse copy frees the matched cell and allocates afresh (Koka's kkx).
 */
#define GEN(name) GEN_CAT(name, GEN_SUFFIX)
#define GEN_CAT(a, b) GEN_CAT2(a, b)
#define GEN_CAT2(a, b) a##_##b

/* The match: the caller has read the fields; the cell becomes a token. */
static inline __attribute__((always_inline)) rc_reuse_t GEN(take)(rc_ctx_t* ctx, rc_val_t t) {
  rc_reuse_t r = rc_reuse_take(ctx, rc_obj(t));
#if !GEN_REUSE
  rc_reuse_release(ctx, r);
  r = RC_NO_REUSE;
#endif
  return r;
}

/* l is a red node fresh from ins (unique), `at` the black parent's cell. */
static inline __attribute__((always_inline))
rc_val_t GEN(balance_left)(rc_ctx_t* ctx, rc_reuse_t at, rc_val_t l, int32_t k, uint8_t v, rc_val_t r) {
  node_t* a = N(l);
  rc_val_t ll = a->left, lr = a->right;
  int32_t lk = a->key; uint8_t lv = a->val;
  if (is_red(ll)) {
    node_t* b = N(ll);
    rc_val_t bl = b->left, br = b->right; int32_t bk = b->key; uint8_t bv = b->val;
    rc_reuse_t t1 = GEN(take)(ctx, l), t2 = GEN(take)(ctx, ll);
    return node(ctx, t1, RED, node(ctx, t2, BLACK, bl, bk, bv, br), lk, lv, node(ctx, at, BLACK, lr, k, v, r));
  }
  if (is_red(lr)) {
    node_t* b = N(lr);
    rc_val_t bl = b->left, br = b->right; int32_t bk = b->key; uint8_t bv = b->val;
    rc_reuse_t t1 = GEN(take)(ctx, l), t2 = GEN(take)(ctx, lr);
    return node(ctx, t1, RED, node(ctx, t2, BLACK, ll, lk, lv, bl), bk, bv, node(ctx, at, BLACK, br, k, v, r));
  }
  rc_reuse_t t1 = GEN(take)(ctx, l);
  return node(ctx, at, BLACK, node(ctx, t1, RED, ll, lk, lv, lr), k, v, r);
}

static inline __attribute__((always_inline))
rc_val_t GEN(balance_right)(rc_ctx_t* ctx, rc_reuse_t at, rc_val_t l, int32_t k, uint8_t v, rc_val_t r) {
  node_t* a = N(r);
  rc_val_t rl = a->left, rr = a->right;
  int32_t rk = a->key; uint8_t rv = a->val;
  if (is_red(rl)) {
    node_t* b = N(rl);
    rc_val_t bl = b->left, br = b->right; int32_t bk = b->key; uint8_t bv = b->val;
    rc_reuse_t t1 = GEN(take)(ctx, r), t2 = GEN(take)(ctx, rl);
    return node(ctx, t1, RED, node(ctx, at, BLACK, l, k, v, bl), bk, bv, node(ctx, t2, BLACK, br, rk, rv, rr));
  }
  if (is_red(rr)) {
    node_t* b = N(rr);
    rc_val_t bl = b->left, br = b->right; int32_t bk = b->key; uint8_t bv = b->val;
    rc_reuse_t t1 = GEN(take)(ctx, r), t2 = GEN(take)(ctx, rr);
    return node(ctx, t1, RED, node(ctx, at, BLACK, l, k, v, rl), rk, rv, node(ctx, t2, BLACK, bl, bk, bv, br));
  }
  rc_reuse_t t1 = GEN(take)(ctx, r);
  return node(ctx, at, BLACK, l, k, v, node(ctx, t1, RED, rl, rk, rv, rr));
}

/* ins(t, k, v) with t owned.  Tail recursion modulo cons, as Koka compiles
   it: where the recursive result goes straight into a constructor field,
   the node is built first with a hole in that field and the loop goes on
   into the child; only the balancing branches recurse. */
static rc_val_t GEN(ins)(rc_ctx_t* ctx, rc_val_t t, int32_t k, uint8_t v) {
  rc_val_t result;
  rc_val_t* hole = &result;
  for (;;) {
    if (t == LEAF) { *hole = node(ctx, RC_NO_REUSE, RED, LEAF, k, v, LEAF); return result; }
    node_t* n = N(t);
    rc_val_t l = n->left, r = n->right;
    int32_t kx = n->key; uint8_t vx = n->val;
    uint8_t color = n->color;
    rc_reuse_t at = GEN(take)(ctx, t);
    if (k == kx) { *hole = node(ctx, at, color, l, k, v, r); return result; }
    if (color == BLACK) {
      if (k < kx && is_red(l)) {
        *hole = GEN(balance_left)(ctx, at, GEN(ins)(ctx, l, k, v), kx, vx, r);
        return result;
      }
      if (k > kx && is_red(r)) {
        *hole = GEN(balance_right)(ctx, at, l, kx, vx, GEN(ins)(ctx, r, k, v));
        return result;
      }
    }
    if (k < kx) {
      rc_val_t c = node(ctx, at, color, HOLE, kx, vx, r);
      *hole = c; hole = &N(c)->left; t = l;
    }
    else {
      rc_val_t c = node(ctx, at, color, l, kx, vx, HOLE);
      *hole = c; hole = &N(c)->right; t = r;
    }
  }
}

/* insert(t, k, v): ins, then a red root turns black (in place). */
static inline rc_val_t GEN(insert)(rc_ctx_t* ctx, rc_val_t t, int32_t k, uint8_t v) {
  if (!is_red(t)) return GEN(ins)(ctx, t, k, v);
  rc_val_t u = GEN(ins)(ctx, t, k, v);
  node_t* n = N(u);
  rc_val_t l = n->left, r = n->right; int32_t kx = n->key; uint8_t vx = n->val;
  return node(ctx, GEN(take)(ctx, u), BLACK, l, kx, vx, r);
}

#undef GEN
#undef GEN_CAT
#undef GEN_CAT2
