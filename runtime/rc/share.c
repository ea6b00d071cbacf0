/* SPDX-License-Identifier: MIT */
/* share.c -- marking objects thread-shared, transitively and without recursion. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "internal.h"
#include <stdio.h>    /* fprintf for fatal errors */
#include <stdlib.h>   /* abort */

/* A local object with n+1 references becomes shared with -(n+1); counts
   that would land in the sticky band become sticky.  The object is not
   yet visible to other threads, so plain stores suffice; the caller's
   publishing release store (or lock) orders them. */
static void mark_one(rc_ctx_t* ctx, rc_obj_t* o) {
  int64_t refs = (int64_t)o->rc + 1;
  if (refs >= -(int64_t)RC_STICKY_DROP) {
    _rc_store_owned(o, RC_STUCK);
    ctx->st.sticky++;
  }
  else {
    _rc_store_owned(o, (int32_t)-refs);
  }
  ctx->st.marked_shared++;
}

typedef struct mark_state_s {
  rc_ctx_t*   ctx;
  _rc_stack_t stack;
} mark_state_t;

static void mark_push(mark_state_t* ms, rc_obj_t* o) {
  mark_one(ms->ctx, o);
  if (!_rc_stack_push(&ms->stack, o)) {
    fprintf(stderr, "mirt: out of memory while marking objects shared\n");
    abort();
  }
}

/* Shared and sticky objects are never walked: everything they reach is
   shared or sticky already. */
static inline bool is_local_obj(rc_val_t v) {
  return rc_is_obj(v) && _rc_load(rc_obj(v)) >= 0;
}

static void mark_visit(rc_val_t child, void* arg) {
  if (is_local_obj(child)) mark_push((mark_state_t*)arg, rc_obj(child));
}

void rc_mark_shared(rc_ctx_t* ctx, rc_val_t v) {
  if (!is_local_obj(v)) return;
  mark_state_t ms;
  ms.ctx = ctx;
  _rc_stack_init(&ms.stack);
  ctx->busy++;
  mark_push(&ms, rc_obj(v));
  _rc_frame_t* f;
  while ((f = _rc_stack_top(&ms.stack)) != NULL) {
    rc_obj_t* o = f->obj;
    if (f->next == SIZE_MAX) {
      /* First visit: values held in external data, through the kind. */
      f->next = 0;
      const rc_kind_t* kind = _rc_kind(rc_kind_of(o));
      if (kind != NULL && kind->visit != NULL) {
        kind->visit(o, &mark_visit, &ms);
        continue;   /* the pushed children go first; `f` stays valid */
      }
    }
    size_t n = _rc_nfields(o);
    rc_val_t* fields = _rc_fields_of(o);
    bool pushed = false;
    while (f->next < n) {
      rc_val_t c = fields[f->next++];
      if (is_local_obj(c)) { mark_push(&ms, rc_obj(c)); pushed = true; break; }
    }
    if (!pushed) _rc_stack_pop(&ms.stack);
  }
  _rc_stack_free(&ms.stack);
  ctx->busy--;
}
