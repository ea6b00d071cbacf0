/* SPDX-License-Identifier: MIT */
/* thread.c -- runtime start and stop, thread attach/detach (a heap per runtime thread), statistics. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "internal.h"
#include <errno.h>    /* EBUSY */
#include <pthread.h>  /* the registry lock */
#include <stdlib.h>   /* getenv */
#include <string.h>   /* memset */

rt_config_t _rt_config;

/* The heartbeat hook is added with mi_deferred_free_add, so another runtime
   in the process keeps its own; linked against an allocator without that
   mirt extension (Debian's libmimalloc, the glibc shim) the runtime falls
   back to the one mi_register_deferred_free slot. */
#pragma weak mi_deferred_free_add
#pragma weak mi_deferred_free_remove
static size_t rt_hook;   /* handle from mi_deferred_free_add, 0 when the fallback is in use */

static void hook_heartbeat(void) {
  rt_hook = (&mi_deferred_free_add != NULL ? mi_deferred_free_add(&_rt_heartbeat, NULL) : 0);
  if (rt_hook == 0) mi_register_deferred_free(&_rt_heartbeat, NULL);
}

static void unhook_heartbeat(void) {
  if (rt_hook != 0) mi_deferred_free_remove(rt_hook);
  else mi_register_deferred_free(NULL, NULL);
  rt_hook = 0;
}

/* Registry: attached contexts (linked through ctx->link) and the merged
   statistics of the threads that detached. */
static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;
static bool      rt_started;
static rc_ctx_t* rt_threads;
static uint64_t  rt_nthreads;
static rc_stats_t rt_totals;
static uint32_t  rt_hist[RC_HIST_BUCKETS];

void rt_config_default(rt_config_t* cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->drop_budget = RT_DEFAULT_DROP_BUDGET;
  cfg->tick_budget = RT_DEFAULT_TICK_BUDGET;
  cfg->pending_soft_limit = RT_DEFAULT_SOFT_LIMIT;
  cfg->pause_us = RT_DEFAULT_PAUSE_US;
  cfg->use_heartbeat = true;
  cfg->huge_pages = true;
#if defined(MI_DEBUG) && (MI_DEBUG > 0)
  cfg->arena_check = true;
#endif
}

/* Called with rt_lock held. */
static void start_locked(const rt_config_t* cfg) {
  if (cfg != NULL) _rt_config = *cfg;
  else rt_config_default(&_rt_config);
  if (_rt_config.tick_budget == 0) _rt_config.tick_budget = 1;
  rt_nthreads = 0;
  memset(&rt_totals, 0, sizeof rt_totals);
  memset(rt_hist, 0, sizeof rt_hist);
  rt_started = true;
  if (_rt_config.use_heartbeat) hook_heartbeat();
  /* functional programs allocate densely: 2 MiB pages save most first-touch
     faults (rbtree 33k -> 0.2k) and TLB misses; the environment decides if
     it says anything */
  if (_rt_config.huge_pages && getenv("MIMALLOC_ALLOW_LARGE_OS_PAGES") == NULL && getenv("MIMALLOC_LARGE_OS_PAGES") == NULL) {
    mi_option_enable(mi_option_allow_large_os_pages);
  }
}

int rt_init(const rt_config_t* cfg) {
  pthread_mutex_lock(&rt_lock);
  bool busy = rt_started;
  if (!busy) start_locked(cfg);
  pthread_mutex_unlock(&rt_lock);
  return (busy ? EBUSY : 0);
}

rc_ctx_t* rt_current(void) {
  return _rc_tls_ctx;
}

rc_ctx_t* rt_thread_attach(void) {
  if (_rc_tls_ctx != NULL) return _rc_tls_ctx;
  pthread_mutex_lock(&rt_lock);
  if (!rt_started) start_locked(NULL);
  rt_config_t cfg = _rt_config;
  pthread_mutex_unlock(&rt_lock);

  /* The context lives in the default heap: the thread heap holds objects only. */
  rc_ctx_t* ctx = (rc_ctx_t*)mi_zalloc(sizeof(rc_ctx_t));
  if (ctx == NULL) return NULL;
  ctx->thread_heap = mi_heap_new();
  if (ctx->thread_heap == NULL) { mi_free(ctx); return NULL; }
  ctx->heap = ctx->thread_heap;
  ctx->drop_budget = cfg.drop_budget;
  ctx->tick_budget = cfg.tick_budget;
  ctx->soft_limit = cfg.pending_soft_limit;
  ctx->pause_ns = (uint64_t)cfg.pause_us * 1000u;
  ctx->time_drops = cfg.time_drops;
  if (cfg.time_drops) ctx->drop_hist = (uint32_t*)mi_zalloc(RC_HIST_BUCKETS * sizeof(uint32_t));

  pthread_mutex_lock(&rt_lock);
  ctx->link = rt_threads;
  rt_threads = ctx;
  rt_nthreads++;
  pthread_mutex_unlock(&rt_lock);
  _rc_tls_ctx = ctx;
  return ctx;
}

void rt_thread_set_budget(rc_ctx_t* ctx, size_t drop_budget, size_t tick_budget) {
  ctx->drop_budget = drop_budget;
  ctx->tick_budget = (tick_budget == 0 ? 1 : tick_budget);
}

void rt_thread_set_pause(rc_ctx_t* ctx, size_t pause_us) {
  ctx->pause_ns = (uint64_t)pause_us * 1000u;
}

void _rt_stats_add(rc_stats_t* into, const rc_stats_t* from) {
  into->allocs += from->allocs;
  into->frees += from->frees;
  into->reuse_hits += from->reuse_hits;
  into->reuse_tokens += from->reuse_tokens;
  into->atomic_ops += from->atomic_ops;
  into->marked_shared += from->marked_shared;
  into->sticky += from->sticky;
  into->pushed += from->pushed;
  into->drained += from->drained;
  if (from->max_pending > into->max_pending) into->max_pending = from->max_pending;
  if (from->max_drop > into->max_drop) into->max_drop = from->max_drop;
  into->drops_timed += from->drops_timed;
  if (from->max_drop_ns > into->max_drop_ns) into->max_drop_ns = from->max_drop_ns;
  if (from->max_beat_ns > into->max_beat_ns) into->max_beat_ns = from->max_beat_ns;
  if (from->max_tick_ns > into->max_tick_ns) into->max_tick_ns = from->max_tick_ns;
  into->heartbeats += from->heartbeats;
  into->ticks += from->ticks;
  into->finalized += from->finalized;
  into->assists += from->assists;
  into->tasks += from->tasks;
  into->exported += from->exported;
  into->escapes += from->escapes;
}

void rt_thread_detach(rc_ctx_t* ctx) {
  if (ctx == NULL) return;
  _rt_task_end_all(ctx);
  _rc_release_all(ctx);

  pthread_mutex_lock(&rt_lock);
  _rt_stats_add(&rt_totals, &ctx->st);
  if (ctx->drop_hist != NULL) {
    for (size_t i = 0; i < RC_HIST_BUCKETS; i++) rt_hist[i] += ctx->drop_hist[i];
  }
  for (rc_ctx_t** p = &rt_threads; *p != NULL; p = (rc_ctx_t**)&(*p)->link) {
    if (*p == ctx) { *p = (rc_ctx_t*)ctx->link; break; }
  }
  pthread_mutex_unlock(&rt_lock);

  /* Other threads may still hold objects of this heap: delete keeps them. */
  if (_rc_tls_ctx == ctx) _rc_tls_ctx = NULL;
  mi_heap_delete(ctx->thread_heap);
  if (ctx->drop_hist != NULL) mi_free(ctx->drop_hist);
  mi_free(ctx);
}

int rt_shutdown(void) {
  rc_ctx_t* ctx = _rc_tls_ctx;
  if (ctx != NULL) rt_thread_detach(ctx);
  pthread_mutex_lock(&rt_lock);
  int err = 0;
  if (rt_threads != NULL) err = EBUSY;
  else if (rt_started) {
    if (_rt_config.use_heartbeat) unhook_heartbeat();
    rt_started = false;
  }
  pthread_mutex_unlock(&rt_lock);
  return err;
}

/* ---------------------------------------------------------------------
   Statistics
--------------------------------------------------------------------- */
static void fill_process(rt_stats_t* out) {
  size_t cur = 0, peak = 0;
  mi_process_info(NULL, NULL, NULL, &cur, &peak, NULL, NULL, NULL);
  out->current_rss = cur;
  out->peak_rss = peak;
}

void rt_thread_stats(const rc_ctx_t* ctx, rt_stats_t* out) {
  memset(out, 0, sizeof *out);
  out->rc = ctx->st;
  out->threads = 1;
  out->pending = ctx->npending;
  if (ctx->drop_hist != NULL) out->drop_p999_ns = _rc_hist_percentile(ctx->drop_hist, 0.999);
  if (out->drop_p999_ns > out->rc.max_drop_ns) out->drop_p999_ns = out->rc.max_drop_ns;   /* bucket bound */
  fill_process(out);
}

void rt_stats(rt_stats_t* out) {
  static uint32_t hist[RC_HIST_BUCKETS];   /* under rt_lock */
  rc_ctx_t* ctx = _rc_tls_ctx;
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&rt_lock);
  out->rc = rt_totals;
  out->threads = rt_nthreads;
  memcpy(hist, rt_hist, sizeof hist);
  if (ctx != NULL) {
    _rt_stats_add(&out->rc, &ctx->st);
    out->pending = ctx->npending;
    if (ctx->drop_hist != NULL) {
      for (size_t i = 0; i < RC_HIST_BUCKETS; i++) hist[i] += ctx->drop_hist[i];
    }
  }
  out->drop_p999_ns = _rc_hist_percentile(hist, 0.999);
  if (out->drop_p999_ns > out->rc.max_drop_ns) out->drop_p999_ns = out->rc.max_drop_ns;   /* bucket bound */
  pthread_mutex_unlock(&rt_lock);
  fill_process(out);
}
