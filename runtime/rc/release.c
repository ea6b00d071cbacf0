/* SPDX-License-Identifier: MIT */
/* release.c -- bounded release: the per-thread pending list, budgeted drains, finalizer queue, drop timing.
 *
 * A dead object (count reached zero) is pushed on its thread's pending list;
 * its fields are not looked at yet.  One work unit pops an object, decrements
 * its value fields (children that die are pushed in turn) and frees it; a
 * large object gives up RC_LARGE_CHUNK fields per unit and goes back on the
 * list until it is empty.  The list is intrusive (the link lives in the dead
 * header) and is processed last-in first-out, so release walks a structure
 * depth first with no recursion and no allocation, whatever its shape.
 *
 * Objects of a kind with a finalizer go to a separate first-in first-out
 * queue instead, untouched, and are released only after their finalizer has
 * run at a safe point (never from a drain: a drain may run inside the
 * allocator's deferred-free callback).
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "internal.h"
#include <time.h>  /* clock_gettime */

/* ---------------------------------------------------------------------
   Queues
--------------------------------------------------------------------- */
static inline void pending_push(rc_ctx_t* ctx, rc_obj_t* o) {
  _rc_set_link(o, ctx->pending);
  ctx->pending = o;
  if (++ctx->npending > ctx->st.max_pending) ctx->st.max_pending = ctx->npending;
}

/* The finalizer-queue link: the hidden last word of the block (rc_alloc_kind). */
static inline rc_obj_t** fin_slot(rc_obj_t* o) {
  return (rc_obj_t**)((char*)o + mi_usable_size(o) - sizeof(rc_obj_t*));
}

static void fin_append(rc_ctx_t* ctx, rc_obj_t* o) {
  *fin_slot(o) = NULL;
  if (ctx->fin_tail != NULL) *fin_slot(ctx->fin_tail) = o;
  else ctx->fin_head = o;
  ctx->fin_tail = o;
  ctx->nfinal++;
}

static void enqueue_kind(rc_ctx_t* ctx, rc_obj_t* o) {
  const rc_kind_t* kind = _rc_kind(rc_kind_of(o));
  if (kind != NULL && kind->finalize != NULL) { fin_append(ctx, o); return; }
  ctx->st.pushed++;
  pending_push(ctx, o);
}

static inline void enqueue_dead(rc_ctx_t* ctx, rc_obj_t* o) {
  if (rc_unlikely(rc_kind_of(o) != 0)) { enqueue_kind(ctx, o); return; }
  ctx->st.pushed++;
  pending_push(ctx, o);
}

void _rc_enqueue_dead(rc_ctx_t* ctx, rc_obj_t* o) {
  enqueue_dead(ctx, o);
}

/* Decrement a field of a dying object; returns the child if it died (and
   is not queued yet), else NULL. */
static inline rc_obj_t* dec_child_dead(rc_ctx_t* ctx, rc_val_t v) {
  if (rc_is_imm(v)) return NULL;
  rc_obj_t* c = rc_obj(v);
#if RC_FAST_PATHS
  int32_t rc = c->rc;
#else
  int32_t rc = _rc_load(c);
#endif
  if (rc_likely(rc > 0)) { _rc_store_owned(c, rc - 1); return NULL; }
  if (rc == 0 || _rc_shared_release(ctx, c, rc)) return c;
  return NULL;
}

/* Decrement a field of a dying object; a child that dies is queued. */
static inline void dec_child(rc_ctx_t* ctx, rc_val_t v) {
  rc_obj_t* c = dec_child_dead(ctx, v);
  if (c != NULL) enqueue_dead(ctx, c);
}

void _rc_release_fields(rc_ctx_t* ctx, rc_obj_t* o) {
  size_t n = _rc_nfields(o);
  rc_val_t* f = _rc_fields_of(o);
  for (size_t i = n; i-- > 0; ) dec_child(ctx, f[i]);
}

/* One chunk of a large object; true when its last field is done.  The
   object goes back on the list *before* its children, so they are
   released first and the list stays short. */
static bool large_step(rc_ctx_t* ctx, rc_obj_t* o) {
  size_t* count = (size_t*)(o + 1);
  size_t n = *count;
  size_t k = (n < RC_LARGE_CHUNK ? n : RC_LARGE_CHUNK);
  rc_val_t* f = rc_large_fields(o);
  bool last = (k == n);
  if (!last) { *count = n - k; pending_push(ctx, o); }
  for (size_t i = n; i > n - k; i--) dec_child(ctx, f[i - 1]);
  return last;
}

/* ---------------------------------------------------------------------
   Drains
--------------------------------------------------------------------- */
size_t _rc_drain(rc_ctx_t* ctx, size_t budget) {
  size_t done = 0;
  uint64_t freed = 0;
  rc_obj_t* next = NULL;   /* a dead first child, released next without queueing */
  ctx->busy++;
  while (done < budget) {
    rc_obj_t* o = next;
    if (o != NULL) {
      next = NULL;
      ctx->st.pushed++;
    }
    else {
      o = ctx->pending;
      if (o == NULL) break;
      ctx->pending = _rc_link(o);
      ctx->npending--;
    }
    done++;
    unsigned scan = o->scan;       /* byte 6 survives the link */
    if (rc_unlikely(scan == RC_SCAN_LARGE)) {
      if (!large_step(ctx, o)) continue;
    }
    else if (scan > 0) {
      /* The first child found dead (last field first: a list's tail) is
         released next without a trip through the list, as if pushed last;
         the others are queued.  Depth first either way. */
      rc_val_t* f = rc_fields(o);
      for (unsigned i = scan; i-- > 0; ) {
        rc_obj_t* c = dec_child_dead(ctx, f[i]);
        if (c == NULL) continue;
        if (next == NULL && rc_likely(rc_kind_of(c) == 0)) next = c;
        else enqueue_dead(ctx, c);
      }
    }
    mi_free(o);
    freed++;
  }
  if (next != NULL) enqueue_dead(ctx, next);
  ctx->busy--;
  ctx->st.frees += freed;
  ctx->st.drained += done;
  return done;
}

size_t _rc_drain_paced(rc_ctx_t* ctx, size_t budget) {
  /* Count bound and time bound together: the clock is read once per
     RC_PACE_CHUNK units (a few ns per object at most), so the pause ends
     within one chunk of the deadline whatever an object costs to free. */
  if (ctx->pause_ns == 0 || budget == RC_BUDGET_UNBOUNDED || budget <= RC_PACE_CHUNK) return _rc_drain(ctx, budget);
  uint64_t deadline = _rc_now_ns() + ctx->pause_ns;
  size_t done = 0;
  while (done < budget) {
    size_t k = budget - done;
    if (k > RC_PACE_CHUNK) k = RC_PACE_CHUNK;
    size_t d = _rc_drain(ctx, k);
    done += d;
    if (d < k || _rc_now_ns() >= deadline) break;
  }
  return done;
}

void _rc_drop_drain(rc_ctx_t* ctx) {
  uint64_t f0 = ctx->st.frees;
  if (rc_likely(!ctx->time_drops)) {
    _rc_drain_paced(ctx, ctx->drop_budget);
  }
  else {
    uint64_t t0 = _rc_now_ns();
    _rc_drain_paced(ctx, ctx->drop_budget);
    uint64_t dt = _rc_now_ns() - t0;
    if (ctx->drop_hist != NULL) _rc_hist_add(ctx->drop_hist, dt);
    ctx->st.drops_timed++;
    if (dt > ctx->st.max_drop_ns) ctx->st.max_drop_ns = dt;
  }
  uint64_t n = ctx->st.frees - f0;
  if (n > ctx->st.max_drop) ctx->st.max_drop = n;
}

/* The rest of a releasing drop's budget, when the freed object left work. */
static __attribute__((noinline)) void drop_free_rest(rc_ctx_t* ctx) {
  uint64_t f0 = ctx->st.frees - 1;   /* the object _rc_drop_free freed */
  size_t budget = ctx->drop_budget;
  if (budget > 1) _rc_drain_paced(ctx, budget == RC_BUDGET_UNBOUNDED ? budget : budget - 1);
  uint64_t n = ctx->st.frees - f0;
  if (n > ctx->st.max_drop) ctx->st.max_drop = n;
}

void _rc_drop_free(rc_ctx_t* ctx, rc_obj_t* o) {
  /* The work unit the drain would do first, without the round trip through
     the pending list: the children go on the list (the first field last,
     so it is released next), the object is freed, and the rest of the
     drop budget goes to the list (out of line: most drops free one). */
  rc_val_t* f = rc_fields(o);
  for (unsigned i = o->scan; i-- > 0; ) dec_child(ctx, f[i]);
  mi_free(o);
  ctx->st.pushed++;
  ctx->st.drained++;
  ctx->st.frees++;
  if (rc_unlikely(ctx->pending != NULL)) drop_free_rest(ctx);
  else if (rc_unlikely(ctx->st.max_drop == 0)) ctx->st.max_drop = 1;
}

void rc_assist(rc_ctx_t* ctx) {
  /* Pending passed the soft limit: every allocation frees two objects
     first, so dead memory shrinks while the limit is exceeded. */
  if (ctx->busy != 0) return;
  ctx->st.assists++;
  _rc_drain(ctx, 2);
}

size_t _rc_run_finalizers(rc_ctx_t* ctx, size_t budget) {
  size_t n = 0;
  while (n < budget && ctx->fin_head != NULL) {
    rc_obj_t* o = ctx->fin_head;
    ctx->fin_head = *fin_slot(o);
    if (ctx->fin_head == NULL) ctx->fin_tail = NULL;
    ctx->nfinal--;
    const rc_kind_t* kind = _rc_kind(rc_kind_of(o));
    o->flags &= (uint8_t)((1u << RC_KIND_SHIFT) - 1);   /* a plain object from now on */
    kind->finalize(ctx, o);
    ctx->st.finalized++;
    n++;
    ctx->st.pushed++;
    pending_push(ctx, o);
  }
  return n;
}

void _rc_release_all(rc_ctx_t* ctx) {
  while (ctx->pending != NULL || ctx->fin_head != NULL) {
    _rc_run_finalizers(ctx, RC_BUDGET_UNBOUNDED);
    _rc_drain(ctx, RC_BUDGET_UNBOUNDED);
  }
}

/* ---------------------------------------------------------------------
   Drop timing: a log-linear histogram (8 buckets per power of two)
--------------------------------------------------------------------- */
uint64_t _rc_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t hist_index(uint64_t ns) {
  if (ns < 16) return (size_t)ns;
  unsigned e = 63u - (unsigned)__builtin_clzll(ns);   /* 4..63 */
  size_t sub = (size_t)(ns >> (e - 3)) & 7;
  return 16 + (size_t)(e - 4) * 8 + sub;
}

static uint64_t hist_upper(size_t i) {
  if (i < 16) return i;
  unsigned e = (unsigned)((i - 16) / 8) + 4;
  uint64_t sub = (i - 16) % 8;
  return ((8 + sub + 1) << (e - 3)) - 1;
}

void _rc_hist_add(uint32_t* hist, uint64_t ns) {
  size_t i = hist_index(ns);
  if (i >= RC_HIST_BUCKETS) i = RC_HIST_BUCKETS - 1;
  if (hist[i] != UINT32_MAX) hist[i]++;
}

uint64_t _rc_hist_percentile(const uint32_t* hist, double q) {
  uint64_t total = 0;
  for (size_t i = 0; i < RC_HIST_BUCKETS; i++) total += hist[i];
  if (total == 0) return 0;
  uint64_t want = (uint64_t)((double)total * q);
  if (want >= total) want = total - 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < RC_HIST_BUCKETS; i++) {
    seen += hist[i];
    if (seen > want) return hist_upper(i);
  }
  return hist_upper(RC_HIST_BUCKETS - 1);
}
