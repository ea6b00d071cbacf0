/* SPDX-License-Identifier: MIT */
/* reuse.c -- Perceus reuse: turning a dying unique object into a token for rc_alloc_at. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "internal.h"

/* Only a unique, thread-local object without a kind can give its memory:
   a shared object's last reference is released like a drop (its count was
   atomic and its children are shared), a finalizable one must be finalized,
   and a large one could make the field release unbounded. */
rc_reuse_t rc_drop_reuse(rc_ctx_t* ctx, rc_val_t v) {
  if (rc_is_imm(v)) return RC_NO_REUSE;
  rc_obj_t* o = rc_obj(v);
  if (_rc_load(o) != 0 || (o->flags & ~RC_F_FORWARDED) != 0) {   /* shared, kind or large */
    rc_drop_obj(ctx, o);
    return RC_NO_REUSE;
  }
  /* The fields are released as in a drop (bounded by the drop budget);
     the header stays, with no fields left for heap scanners to follow. */
  _rc_release_fields(ctx, o);
  o->scan = 0;
  ctx->st.reuse_tokens++;
  if (ctx->pending != NULL && ctx->busy == 0) _rc_drop_drain(ctx);
  return o;
}

void rc_take_fields(rc_ctx_t* ctx, rc_obj_t* o) {
  size_t n = _rc_nfields(o);
  rc_val_t* f = _rc_fields_of(o);
  for (size_t i = 0; i < n; i++) rc_dup(f[i]);
  rc_drop_obj(ctx, o);
}
