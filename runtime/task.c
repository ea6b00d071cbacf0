/* SPDX-License-Identifier: MIT */
/* task.c -- per-task arenas: a fresh first-class heap per task, result export, destroy at once, escape check.
 *
 * A task allocates from its own heap.  Ending it releases all pending work
 * (which may free into the arena), copies the result out (the part of it
 * that lives in the arena), then destroys the heap: O(pages), whatever is
 * still alive in it.  Objects left in the arena are discarded unvisited:
 * references they hold to objects outside are not released (those objects
 * leak, safely) and their finalizers do not run; a reference from outside
 * into the arena would dangle, which the arena check (debug builds, or
 * rt_config.arena_check) looks for in this thread's heaps and reports.
 * Arena objects must not be shared with other threads.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "internal.h"
#include <stdio.h>    /* fprintf: escape reports, fatal errors */
#include <stdlib.h>   /* abort */

struct rt_task_s {
  mi_heap_t*        heap;       /* the arena */
  mi_heap_t*        prev_heap;  /* allocation heap before the task began */
  struct rt_task_s* prev;       /* enclosing task */
};

rt_task_t* rt_task_begin(rc_ctx_t* ctx) {
  rt_task_t* t = (rt_task_t*)mi_malloc(sizeof(rt_task_t));
  if (t == NULL) return NULL;
  t->heap = mi_heap_new();
  if (t->heap == NULL) { mi_free(t); return NULL; }
  t->prev_heap = ctx->heap;
  t->prev = ctx->task;
  ctx->heap = t->heap;
  ctx->task = t;
  return t;
}

/* ---------------------------------------------------------------------
   Export: copy the arena part of a value into the enclosing heap.  The
   copy takes over the references of the original (fields pointing
   outside move, fields pointing into the arena get the copies), and each
   copied original is forwarded so that sharing inside the result is kept.
--------------------------------------------------------------------- */
static inline bool in_arena(mi_heap_t* arena, rc_val_t v) {
  if (rc_is_imm(v)) return false;
  const void* p = rc_obj(v);
  return mi_is_in_heap_region(p) && mi_heap_contains_block(arena, p);
}

static rc_obj_t* copy_out(rc_ctx_t* ctx, rc_obj_t* o, _rc_stack_t* stack) {
  size_t size = mi_usable_size(o);
  rc_obj_t* c = (rc_obj_t*)mi_heap_malloc(ctx->heap, size);
  if (c == NULL) c = (rc_obj_t*)rc_alloc_retry(ctx, size);
  memcpy(c, o, size);
  c->rc = 0;
  ctx->st.allocs++;
  ctx->st.exported++;
  /* forward the original: link = copy, flag set, scan kept */
  o->flags |= RC_F_FORWARDED;
  _rc_set_link(o, c);
  if (!_rc_stack_push(stack, c)) {
    fprintf(stderr, "mirt: out of memory while exporting a task result\n");
    abort();
  }
  return c;
}

static rc_val_t export_value(rc_ctx_t* ctx, mi_heap_t* arena, rc_val_t v) {
  if (!in_arena(arena, v)) return v;   /* the reference moves as it is */
  _rc_stack_t stack;
  _rc_stack_init(&stack);
  ctx->busy++;
  rc_obj_t* root = copy_out(ctx, rc_obj(v), &stack);
  _rc_frame_t* f;
  while ((f = _rc_stack_top(&stack)) != NULL) {
    rc_obj_t* c = f->obj;
    _rc_stack_pop(&stack);           /* fields are fixed in one go */
    size_t n = _rc_nfields(c);
    rc_val_t* fields = _rc_fields_of(c);
    for (size_t i = 0; i < n; i++) {
      rc_val_t x = fields[i];
      if (rc_is_imm(x)) continue;
      rc_obj_t* xo = rc_obj(x);
      if (xo->flags & RC_F_FORWARDED) {         /* copied already: one more reference */
        rc_obj_t* xc = _rc_link(xo);
        rc_dup_obj(xc);
        fields[i] = rc_val(xc);
      }
      else if (in_arena(arena, x)) {
        fields[i] = rc_val(copy_out(ctx, xo, &stack));
      }
    }
  }
  _rc_stack_free(&stack);
  ctx->busy--;
  return rc_val(root);
}

/* ---------------------------------------------------------------------
   Escape check: objects of this thread's other heaps pointing into the arena
--------------------------------------------------------------------- */
typedef struct escape_state_s {
  rc_ctx_t*  ctx;
  mi_heap_t* arena;
  size_t     found;
} escape_state_t;

static bool check_block(const mi_heap_t* heap, const mi_heap_area_t* area, void* block,
                        size_t block_size, void* arg) {
  (void)heap; (void)area; (void)block_size;
  if (block == NULL) return true;
  escape_state_t* es = (escape_state_t*)arg;
  rc_obj_t* o = (rc_obj_t*)block;
  size_t n = _rc_nfields(o);
  rc_val_t* fields = _rc_fields_of(o);
  for (size_t i = 0; i < n; i++) {
    if (!in_arena(es->arena, fields[i])) continue;
    if (es->found < 8) {
      fprintf(stderr, "mirt: task arena %p destroyed while object %p (tag %u) field %zu still points into it (%p)\n",
              (void*)es->arena, (void*)o, (unsigned)o->tag, i, (void*)rc_obj(fields[i]));
    }
    es->found++;
  }
  return true;
}

static void check_escapes(rc_ctx_t* ctx, rt_task_t* t) {
  escape_state_t es = { ctx, t->heap, 0 };
  mi_heap_visit_blocks(ctx->thread_heap, true, &check_block, &es);
  for (rt_task_t* outer = t->prev; outer != NULL; outer = outer->prev) {
    mi_heap_visit_blocks(outer->heap, true, &check_block, &es);
  }
  if (es.found > 8) fprintf(stderr, "mirt: ... %zu references into the destroyed arena in all\n", es.found);
  ctx->st.escapes += es.found;
}

/* ---------------------------------------------------------------------
   Ending tasks
--------------------------------------------------------------------- */
rc_val_t rt_task_end(rc_ctx_t* ctx, rt_task_t* t, rc_val_t result) {
  if (t == NULL || t != ctx->task) {
    fprintf(stderr, "mirt: rt_task_end: %p is not the innermost task of this thread\n", (void*)t);
    abort();
  }
  _rc_release_all(ctx);                  /* pending work may free into the arena */
  ctx->heap = t->prev_heap;
  ctx->task = t->prev;
  result = export_value(ctx, t->heap, result);
  if (_rt_config.arena_check) check_escapes(ctx, t);
  mi_heap_destroy(t->heap);
  ctx->st.tasks++;
  mi_free(t);
  return result;
}

rc_val_t rt_task_run(rc_ctx_t* ctx, rt_task_fun* fn, void* arg) {
  rt_task_t* t = rt_task_begin(ctx);
  if (t == NULL) return fn(ctx, arg);    /* no arena: run in place */
  rc_val_t r = fn(ctx, arg);
  return rt_task_end(ctx, t, r);
}

void _rt_task_end_all(rc_ctx_t* ctx) {
  while (ctx->task != NULL) rt_task_end(ctx, ctx->task, RC_IMM(0));
}
