/* SPDX-License-Identifier: MIT */
/* internal.h -- runtime/rc private interface: header-word helpers and _rc_ prototypes grouped by file. */
#ifndef MIRT_RC_INTERNAL_H
#define MIRT_RC_INTERNAL_H

/* The library counts on its own (out-of-line) paths only: its uses of the
   inline helpers must not count a second time, whatever CFLAGS say. */
#undef RC_STATS
#define RC_STATS 0
#include "mirt/rc.h"
#include "../alloc/atomic.h"  /* mi_atomic32_* */
#include <string.h>           /* memcpy */

#if !defined(__x86_64__) && !defined(__aarch64__) && !(defined(__SIZEOF_POINTER__) && __SIZEOF_POINTER__ == 8)
#error "runtime/rc packs 48-bit pointers into object headers: a 64-bit target is required"
#endif
#if defined(__BYTE_ORDER__) && (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__)
#error "runtime/rc relies on the little-endian header layout"
#endif
_Static_assert(sizeof(rc_obj_t) == 8, "the object header is one word");

/* ---------------------------------------------------------------------
   Dead objects: the header word keeps `scan` (byte 6) and `flags` (byte 7);
   bytes 0-5 (count and tag) hold a 48-bit link to the next queued object.
--------------------------------------------------------------------- */
#define RC_LINK_MASK  ((uint64_t)0x0000FFFFFFFFFFFFull)
#define RC_LARGE_CHUNK 256    /* fields of a large object released per work unit */

static inline uint64_t _rc_hdr_word(const rc_obj_t* o) { uint64_t w; memcpy(&w, o, sizeof w); return w; }
static inline void _rc_hdr_set_word(rc_obj_t* o, uint64_t w) { memcpy(o, &w, sizeof w); }
static inline rc_obj_t* _rc_link(const rc_obj_t* o) {
  return (rc_obj_t*)(uintptr_t)(_rc_hdr_word(o) & RC_LINK_MASK);
}
static inline void _rc_set_link(rc_obj_t* o, const rc_obj_t* next) {
  _rc_hdr_set_word(o, (_rc_hdr_word(o) & ~RC_LINK_MASK) | ((uint64_t)(uintptr_t)next & RC_LINK_MASK));
}

/* Count access for the slow paths: atomic loads (relaxed) so that reading a
   shared count while other threads update it is well defined. */
static inline int32_t _rc_load(const rc_obj_t* o) {
  return (int32_t)mi_atomic32_load_relaxed((const mi_atomic32_t*)&o->rc);
}
/* Store a count of an object no other thread can reach (unique, dying, or not yet published). */
static inline void _rc_store_owned(rc_obj_t* o, int32_t rc) {
#if RC_FAST_PATHS
  o->rc = rc;
#else
  mi_atomic32_store_release((mi_atomic32_t*)&o->rc, (unsigned int)rc);
#endif
}

/* Number of value fields and their start, for ordinary and large objects. */
static inline size_t _rc_nfields(rc_obj_t* o) {
  return (o->scan == RC_SCAN_LARGE ? rc_large_count(o) : o->scan);
}
static inline rc_val_t* _rc_fields_of(rc_obj_t* o) {
  return (o->scan == RC_SCAN_LARGE ? rc_large_fields(o) : rc_fields(o));
}

/* ---------------------------------------------------------------------
   Explicit stack of (object, next field) frames, in chunks from mi_malloc
--------------------------------------------------------------------- */
typedef struct _rc_frame_s { rc_obj_t* obj; size_t next; } _rc_frame_t;
typedef struct _rc_chunk_s _rc_chunk_t;
typedef struct _rc_stack_s {
  _rc_chunk_t* chunk;   /* current chunk (its `prev` links to older ones) */
  size_t       top;     /* frames used in the current chunk */
  _rc_chunk_t* spare;   /* one emptied chunk kept to avoid churn */
  size_t       depth;   /* frames in all chunks */
  size_t       max_depth;
} _rc_stack_t;

/* ---------------------------------------------------------------------
   Prototypes, grouped by defining file
--------------------------------------------------------------------- */
/* "rc.c" */
extern _Thread_local rc_ctx_t* _rc_tls_ctx;                   /* context of the calling thread */
const rc_kind_t* _rc_kind(unsigned index);                    /* registered kind, or NULL */
bool      _rc_shared_release(rc_ctx_t* ctx, rc_obj_t* o, int32_t rc); /* drop a shared ref; true if it was the last */
void      _rc_count_sticky(void);                             /* statistics: an object became sticky */

/* "release.c" */
void      _rc_enqueue_dead(rc_ctx_t* ctx, rc_obj_t* o);        /* queue a dead object (pending or finalizers) */
void      _rc_release_fields(rc_ctx_t* ctx, rc_obj_t* o);      /* decrement o's value fields, queueing the dead */
size_t    _rc_drain(rc_ctx_t* ctx, size_t budget);             /* do up to `budget` release units; returns units done */
size_t    _rc_drain_paced(rc_ctx_t* ctx, size_t budget);       /* the same, also stopping after ctx->pause_ns (bounded budgets) */
#define RC_PACE_CHUNK 32                                       /* release units between two clock reads */
void      _rc_drop_drain(rc_ctx_t* ctx);                       /* the drain of one rc_drop: drop_budget, timed, max_drop */
void      _rc_drop_free(rc_ctx_t* ctx, rc_obj_t* o);            /* last drop of a plain object, untimed, budget > 0: free it now, then drain */
size_t    _rc_run_finalizers(rc_ctx_t* ctx, size_t budget);    /* run up to `budget` finalizers (safe points only) */
void      _rc_release_all(rc_ctx_t* ctx);                      /* finalizers and pending, until both are empty */
void      _rc_hist_add(uint32_t* hist, uint64_t ns);           /* record one duration */
uint64_t  _rc_hist_percentile(const uint32_t* hist, double q); /* upper bound of the q-quantile bucket (ns) */
uint64_t  _rc_now_ns(void);                                    /* monotonic clock */
#define RC_HIST_BUCKETS 512

/* "stack.c" */
void      _rc_stack_init(_rc_stack_t* s);                       /* empty stack, no memory yet */
bool      _rc_stack_push(_rc_stack_t* s, rc_obj_t* o);          /* false when out of memory */
_rc_frame_t* _rc_stack_top(_rc_stack_t* s);                     /* top frame, or NULL when empty */
void      _rc_stack_pop(_rc_stack_t* s);                        /* remove the top frame */
void      _rc_stack_free(_rc_stack_t* s);                       /* release all chunks */

#endif /* MIRT_RC_INTERNAL_H */
