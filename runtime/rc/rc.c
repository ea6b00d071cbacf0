/* SPDX-License-Identifier: MIT */
/* rc.c -- object header, kinds, allocation helpers, dup/drop slow paths and shared (atomic) counting. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "internal.h"
#include <pthread.h>  /* kind registration lock */
#include <stdio.h>    /* fprintf for fatal errors */
#include <stdlib.h>   /* abort */

/* The context of the calling thread: set by rt_thread_attach, read by the
   slow paths that have no context argument (statistics) and by callbacks. */
_Thread_local rc_ctx_t* _rc_tls_ctx;

/* ---------------------------------------------------------------------
   Kinds
--------------------------------------------------------------------- */
static mi_atomic_t rc_kinds[RC_KIND_MAX + 1];   /* const rc_kind_t*, published with release */
static unsigned rc_kind_count;
static pthread_mutex_t rc_kind_lock = PTHREAD_MUTEX_INITIALIZER;

unsigned rc_kind_register(const rc_kind_t* kind) {
  unsigned index = 0;
  pthread_mutex_lock(&rc_kind_lock);
  if (kind != NULL && rc_kind_count < RC_KIND_MAX) {
    index = ++rc_kind_count;
    mi_atomic_store_ptr_release(&rc_kinds[index], kind);
  }
  pthread_mutex_unlock(&rc_kind_lock);
  return index;
}

const rc_kind_t* _rc_kind(unsigned index) {
  if (index == 0 || index > RC_KIND_MAX) return NULL;
  return mi_atomic_load_ptr_acquire(const rc_kind_t, &rc_kinds[index]);
}

/* ---------------------------------------------------------------------
   Allocation helpers
--------------------------------------------------------------------- */
void* rc_alloc_retry(rc_ctx_t* ctx, size_t size) {
  /* Free what is pending (memory only: no finalizers here) and ask the
     allocator to give back what it caches, then try once more. */
  if (!ctx->busy) _rc_drain(ctx, RC_BUDGET_UNBOUNDED);
  mi_heap_collect(ctx->heap, true);
  void* p = mi_heap_malloc(ctx->heap, size);
  if (p == NULL) {
    fprintf(stderr, "mirt: out of memory allocating an object of %zu bytes\n", size);
    abort();
  }
  return p;
}

void* rc_alloc_retry_current(size_t size) {
  rc_ctx_t* ctx = _rc_tls_ctx;
  if (ctx == NULL) {
    fprintf(stderr, "mirt: out of memory allocating an object of %zu bytes (thread not attached)\n", size);
    abort();
  }
  return rc_alloc_retry(ctx, size);
}

rc_obj_t* rc_alloc_large(rc_ctx_t* ctx, size_t nfields, size_t raw, uint16_t tag) {
  const size_t fixed = sizeof(rc_obj_t) + sizeof(size_t);
  if (nfields > (SIZE_MAX - fixed - raw) / sizeof(rc_val_t)) {
    fprintf(stderr, "mirt: rc_alloc_large: %zu fields and %zu bytes overflow\n", nfields, raw);
    abort();
  }
  size_t size = fixed + nfields * sizeof(rc_val_t) + raw;
  if (rc_unlikely(ctx->npending > ctx->soft_limit)) rc_assist(ctx);
  void* p = mi_heap_malloc(ctx->heap, size);
  if (p == NULL) p = rc_alloc_retry(ctx, size);
  rc_obj_t* o = (rc_obj_t*)p;
  rc_header_init(o, RC_SCAN_LARGE, tag);
  o->flags = RC_F_LARGE;
  *(size_t*)(o + 1) = nfields;
  rc_val_t* f = rc_large_fields(o);
  for (size_t i = 0; i < nfields; i++) f[i] = RC_IMM(0);
  ctx->st.allocs++;
  return o;
}

rc_obj_t* rc_alloc_kind(rc_ctx_t* ctx, unsigned kind, size_t size, unsigned scan, uint16_t tag) {
  const rc_kind_t* k = _rc_kind(kind);
  if (k == NULL) {
    fprintf(stderr, "mirt: rc_alloc_kind: kind %u is not registered\n", kind);
    abort();
  }
  /* A kind with a finalizer gets one hidden word at the end of its block:
     the link of the finalizer queue, so its header stays intact until then. */
  if (k->finalize != NULL) size += sizeof(void*);
  rc_obj_t* o = rc_alloc(ctx, size, scan, tag);
  o->flags = (uint8_t)(kind << RC_KIND_SHIFT);
  ctx->st.allocs++;   /* out of line: always counted */
  return o;
}

void rc_init_static(rc_obj_t* o, unsigned scan, uint16_t tag) {
  o->rc = RC_STUCK; o->tag = tag; o->scan = (uint8_t)scan; o->flags = 0;
}

/* ---------------------------------------------------------------------
   Slow paths of dup and drop
--------------------------------------------------------------------- */
void _rc_count_sticky(void) {
  rc_ctx_t* ctx = _rc_tls_ctx;
  if (ctx != NULL) ctx->st.sticky++;
}

void rc_dup_slow(rc_obj_t* o) {
  int32_t rc = _rc_load(o);
  if (rc < 0) {
    if (rc <= RC_STICKY) return;
    /* thread-shared: one more reference is one step further from zero */
    mi_atomic32_add_relaxed((mi_atomic32_t*)&o->rc, -1);
    rc_ctx_t* ctx = _rc_tls_ctx;
    if (ctx != NULL) ctx->st.atomic_ops++;
    return;
  }
  if (rc == INT32_MAX) {   /* local overflow: sticky from now on */
    _rc_store_owned(o, RC_STUCK);
    _rc_count_sticky();
    return;
  }
  _rc_store_owned(o, rc + 1);   /* thread-local (only reached without fast paths) */
}

bool _rc_shared_release(rc_ctx_t* ctx, rc_obj_t* o, int32_t rc) {
  if (rc <= RC_STICKY_DROP) return false;
  /* Release our writes to the object, and, when this was the last
     reference, acquire everyone else's before freeing it. */
  int32_t old = (int32_t)mi_atomic32_add_acq_rel((mi_atomic32_t*)&o->rc, 1);
  ctx->st.atomic_ops++;
  if (old != -1) return false;
  _rc_store_owned(o, 0);   /* ours alone now: local and unique again */
  return true;
}

void rc_drop_slow(rc_ctx_t* ctx, rc_obj_t* o) {
  int32_t rc = _rc_load(o);
  if (rc > 0) {            /* only reached without fast paths */
    _rc_store_owned(o, rc - 1);
    return;
  }
  if (rc < 0 && !_rc_shared_release(ctx, o, rc)) return;
  if (rc_likely(ctx->busy == 0 && o->flags == 0 && ctx->drop_budget != 0 && !ctx->time_drops)) {
    _rc_drop_free(ctx, o);   /* plain object: no kind, not large */
    return;
  }
  _rc_enqueue_dead(ctx, o);
  if (ctx->busy == 0) _rc_drop_drain(ctx);
}

int32_t rc_refcount_atomic(const rc_obj_t* o) {
  return _rc_load(o);
}

void rc_make_sticky(rc_obj_t* o) {
  if (_rc_load(o) > RC_STICKY) {
    mi_atomic32_store_release((mi_atomic32_t*)&o->rc, (unsigned int)RC_STUCK);
    _rc_count_sticky();
  }
}
