/* SPDX-License-Identifier: MIT */
/* rbtree-gen.h -- rbtree's insert as a Perceus compiler emits it; included twice by rbtree.c (GEN_REUSE 1 and 0).
 *
 * One function per source function, everything else always-inline: a match
 * reads the fields straight from the cell, takes the cell as a reuse token
 * (one header test) and rebuilds in it; `ctx` travels in a register.  A
 * rebuild in a token of the same constructor is specialised as Koka does
 * (`if (_ru != NULL) { only the fields that change }`): the header stays
 * and only the fields whose value is not the matched one are stored
 * (rc_reuse_same).  The no-reuse copy frees the matched cell and allocates
 * afresh (Koka's kkx); there every token is RC_NO_REUSE and the in-place
 * branches fold away.
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

/* The token as the node it is rebuilt into (same constructor: header kept). */
static inline __attribute__((always_inline)) node_t* GEN(same)(rc_ctx_t* ctx, rc_reuse_t at) {
  return (node_t*)rc_reuse_same(ctx, at);
}

/* l is a red node fresh from ins (unique), `at` the cell of the black
   parent whose key, value and right child are k, v and r (so a rebuild of
   the parent in `at` changes only its left child). */
static inline __attribute__((always_inline))
rc_val_t GEN(balance_left)(rc_ctx_t* ctx, rc_reuse_t at, rc_val_t l, int32_t k, uint8_t v, rc_val_t r) {
  node_t* a = N(l);
  rc_val_t ll = a->left, lr = a->right;
  int32_t lk = a->key; uint8_t lv = a->val;
  if (is_red(ll)) {
    /* Node(Red, Node(Black, bl, bk, bv, br), lk, lv, Node(Black, lr, k, v, r)) */
    node_t* b = N(ll);
    rc_val_t bl = b->left, br = b->right; int32_t bk = b->key; uint8_t bv = b->val;
    rc_reuse_t t1 = GEN(take)(ctx, l), t2 = GEN(take)(ctx, ll);
    rc_val_t x, y;
    if (t2 != RC_NO_REUSE) { GEN(same)(ctx, t2)->color = BLACK; x = ll; }
    else x = node(ctx, RC_NO_REUSE, BLACK, bl, bk, bv, br);
    if (at != RC_NO_REUSE) { GEN(same)(ctx, at)->left = lr; y = rc_val(at); }
    else y = node(ctx, RC_NO_REUSE, BLACK, lr, k, v, r);
    if (t1 != RC_NO_REUSE) { node_t* n = GEN(same)(ctx, t1); n->left = x; n->right = y; return l; }
    return node(ctx, RC_NO_REUSE, RED, x, lk, lv, y);
  }
  if (is_red(lr)) {
    /* Node(Red, Node(Black, ll, lk, lv, bl), bk, bv, Node(Black, br, k, v, r)) */
    node_t* b = N(lr);
    rc_val_t bl = b->left, br = b->right; int32_t bk = b->key; uint8_t bv = b->val;
    rc_reuse_t t1 = GEN(take)(ctx, l), t2 = GEN(take)(ctx, lr);
    rc_val_t x = node(ctx, t2, BLACK, ll, lk, lv, bl), y;
    if (at != RC_NO_REUSE) { GEN(same)(ctx, at)->left = br; y = rc_val(at); }
    else y = node(ctx, RC_NO_REUSE, BLACK, br, k, v, r);
    if (t1 != RC_NO_REUSE) {
      node_t* n = GEN(same)(ctx, t1);
      n->left = x; n->key = bk; n->val = bv; n->right = y;
      return l;
    }
    return node(ctx, RC_NO_REUSE, RED, x, bk, bv, y);
  }
  /* Node(Black, Node(Red, ll, lk, lv, lr), k, v, r): the red node is l unchanged */
  rc_reuse_t t1 = GEN(take)(ctx, l);
  rc_val_t x = (t1 != RC_NO_REUSE ? rc_val(&GEN(same)(ctx, t1)->h) : node(ctx, RC_NO_REUSE, RED, ll, lk, lv, lr));
  if (at != RC_NO_REUSE) { GEN(same)(ctx, at)->left = x; return rc_val(at); }
  return node(ctx, RC_NO_REUSE, BLACK, x, k, v, r);
}

/* The mirror image: r is a red node fresh from ins, `at` the black parent
   (key k, value v, left child l): a rebuild in `at` changes its right child. */
static inline __attribute__((always_inline))
rc_val_t GEN(balance_right)(rc_ctx_t* ctx, rc_reuse_t at, rc_val_t l, int32_t k, uint8_t v, rc_val_t r) {
  node_t* a = N(r);
  rc_val_t rl = a->left, rr = a->right;
  int32_t rk = a->key; uint8_t rv = a->val;
  if (is_red(rl)) {
    /* Node(Red, Node(Black, l, k, v, bl), bk, bv, Node(Black, br, rk, rv, rr)) */
    node_t* b = N(rl);
    rc_val_t bl = b->left, br = b->right; int32_t bk = b->key; uint8_t bv = b->val;
    rc_reuse_t t1 = GEN(take)(ctx, r), t2 = GEN(take)(ctx, rl);
    rc_val_t x, y = node(ctx, t2, BLACK, br, rk, rv, rr);
    if (at != RC_NO_REUSE) { GEN(same)(ctx, at)->right = bl; x = rc_val(at); }
    else x = node(ctx, RC_NO_REUSE, BLACK, l, k, v, bl);
    if (t1 != RC_NO_REUSE) {
      node_t* n = GEN(same)(ctx, t1);
      n->left = x; n->key = bk; n->val = bv; n->right = y;
      return r;
    }
    return node(ctx, RC_NO_REUSE, RED, x, bk, bv, y);
  }
  if (is_red(rr)) {
    /* Node(Red, Node(Black, l, k, v, rl), rk, rv, Node(Black, bl, bk, bv, br)) */
    node_t* b = N(rr);
    rc_val_t bl = b->left, br = b->right; int32_t bk = b->key; uint8_t bv = b->val;
    rc_reuse_t t1 = GEN(take)(ctx, r), t2 = GEN(take)(ctx, rr);
    rc_val_t x, y;
    if (at != RC_NO_REUSE) { GEN(same)(ctx, at)->right = rl; x = rc_val(at); }
    else x = node(ctx, RC_NO_REUSE, BLACK, l, k, v, rl);
    if (t2 != RC_NO_REUSE) { GEN(same)(ctx, t2)->color = BLACK; y = rr; }
    else y = node(ctx, RC_NO_REUSE, BLACK, bl, bk, bv, br);
    if (t1 != RC_NO_REUSE) { node_t* n = GEN(same)(ctx, t1); n->left = x; n->right = y; return r; }
    return node(ctx, RC_NO_REUSE, RED, x, rk, rv, y);
  }
  /* Node(Black, l, k, v, Node(Red, rl, rk, rv, rr)): the red node is r unchanged */
  rc_reuse_t t1 = GEN(take)(ctx, r);
  rc_val_t y = (t1 != RC_NO_REUSE ? rc_val(&GEN(same)(ctx, t1)->h) : node(ctx, RC_NO_REUSE, RED, rl, rk, rv, rr));
  if (at != RC_NO_REUSE) { GEN(same)(ctx, at)->right = y; return rc_val(at); }
  return node(ctx, RC_NO_REUSE, BLACK, l, k, v, y);
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
    if (k == kx) {
      if (at != RC_NO_REUSE) { GEN(same)(ctx, at)->val = v; *hole = t; }
      else *hole = node(ctx, RC_NO_REUSE, color, l, k, v, r);
      return result;
    }
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
    rc_val_t c;
    if (k < kx) {
      if (at != RC_NO_REUSE) { GEN(same)(ctx, at)->left = HOLE; c = t; }
      else c = node(ctx, RC_NO_REUSE, color, HOLE, kx, vx, r);
      *hole = c; hole = &N(c)->left; t = l;
    }
    else {
      if (at != RC_NO_REUSE) { GEN(same)(ctx, at)->right = HOLE; c = t; }
      else c = node(ctx, RC_NO_REUSE, color, l, kx, vx, HOLE);
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
  rc_reuse_t at = GEN(take)(ctx, u);
  if (at != RC_NO_REUSE) { GEN(same)(ctx, at)->color = BLACK; return u; }
  return node(ctx, RC_NO_REUSE, BLACK, l, kx, vx, r);
}

#undef GEN
#undef GEN_CAT
#undef GEN_CAT2
