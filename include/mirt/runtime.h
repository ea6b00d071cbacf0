/* SPDX-License-Identifier: MIT */
/* runtime.h -- embedding API (rt_*): init, thread attach/detach, heartbeat ticks, task arenas, statistics.
 *
 * A program (compiled code or an interpreter) calls rt_init once, attaches
 * every thread that touches rc objects, and passes the returned context
 * explicitly.  Releasing dead objects is bounded: each rc_drop frees at most
 * `drop_budget` objects and leaves the rest on a per-thread pending list,
 * which the allocator heartbeat (mi_register_deferred_free) drains
 * `tick_budget` objects at a time, rt_tick drains at interpreter safe points,
 * and detach, task end, rt_collect and shutdown drain completely.  With
 * drop_budget = RC_BUDGET_UNBOUNDED release is eager (the same code).
 * Finalizers run only at safe points: rt_tick, rt_collect, task end, detach
 * and shutdown -- never inside rc_drop or the allocator callback.
 *
 * The runtime's heaps (ctx->heap: the thread heap or the current task's
 * arena) hold rc objects only -- the arena check walks them block by block;
 * allocate other memory with mi_malloc.  A thread must detach before it
 * exits; objects it shared stay valid (its heap is deleted, not destroyed).
 */
#ifndef MIRT_RUNTIME_H
#define MIRT_RUNTIME_H

#include <mirt/rc.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RT_DEFAULT_DROP_BUDGET  1024     /* objects freed by one rc_drop at most (about 40 us) */
#define RT_DEFAULT_TICK_BUDGET  4096     /* objects freed per allocator heartbeat */
#define RT_DEFAULT_SOFT_LIMIT   65536    /* pending objects before allocations assist */
#define RT_DEFAULT_PAUSE_US     40       /* a bounded drain (drop, heartbeat, rt_tick) stops after about this long */

/* Called from the allocator heartbeat after the drain (must not allocate or drop). */
typedef void (rt_heartbeat_fun)(rc_ctx_t* ctx, unsigned long long heartbeat, bool force,
                                size_t drained, void* arg);

typedef struct rt_config_s {
  size_t drop_budget;         /* release units per rc_drop; RC_BUDGET_UNBOUNDED = eager */
  size_t tick_budget;         /* release units per allocator heartbeat (force: all) */
  size_t pending_soft_limit;  /* pending objects above which every allocation frees two */
  size_t pause_us;            /* bounded drains also stop after this many us (checked every 32 objects); 0: count only, deterministic */
  bool   use_heartbeat;       /* register the allocator's deferred-free hook */
  bool   time_drops;          /* measure every releasing drop (for rt_stats percentiles) */
  bool   arena_check;         /* before destroying an arena, look for references into it */
  bool   huge_pages;          /* rt_init turns on mi_option_allow_large_os_pages (transparent 2 MiB pages: far fewer
                                 first-touch faults and TLB misses) unless MIMALLOC_ALLOW_LARGE_OS_PAGES or
                                 MIMALLOC_LARGE_OS_PAGES is set; default true */
  rt_heartbeat_fun* on_heartbeat;  /* optional trace hook */
  void*  on_heartbeat_arg;
} rt_config_t;

typedef struct rt_stats_s {
  rc_stats_t rc;              /* counters (sums; max_* are maxima) */
  uint64_t threads;           /* threads attached since rt_init */
  uint64_t drop_p999_ns;      /* 99.9th percentile of releasing drops (time_drops) */
  size_t   pending;           /* objects pending on the calling thread now */
  size_t   current_rss;       /* bytes, from mi_process_info */
  size_t   peak_rss;          /* bytes, from mi_process_info */
} rt_stats_t;

typedef struct rt_task_s rt_task_t;
typedef rc_val_t (rt_task_fun)(rc_ctx_t* ctx, void* arg);

/* Fill `cfg` with the defaults (bounded release, heartbeat on, huge pages, arena check in debug builds). */
rc_decl_export void rt_config_default(rt_config_t* cfg);
/* Start the runtime (process-wide; NULL = defaults); 0, or EBUSY when already started. */
rc_decl_export int rt_init(const rt_config_t* cfg);
/* Stop the runtime: release the calling thread's pending work, detach it, unhook; 0, or EBUSY if other threads are still attached. */
rc_decl_export int rt_shutdown(void);

/* Attach the calling thread (a fresh heap and context; starts the runtime with defaults if needed); attaching twice returns the same context. */
rc_decl_export rc_ctx_t* rt_thread_attach(void);
/* Detach: end open tasks, release all pending work, run finalizers, delete (never destroy) the thread's heap. */
rc_decl_export void rt_thread_detach(rc_ctx_t* ctx);
/* The calling thread's context, or NULL when it is not attached. */
rc_decl_export rc_ctx_t* rt_current(void);
/* Change this thread's release budgets (RC_BUDGET_UNBOUNDED for eager drops). */
rc_decl_export void rt_thread_set_budget(rc_ctx_t* ctx, size_t drop_budget, size_t tick_budget);
/* Change this thread's pause bound: bounded drains stop after about `pause_us` us (0: by count only). */
rc_decl_export void rt_thread_set_pause(rc_ctx_t* ctx, size_t pause_us);

/* Safe point: run pending finalizers and release up to `budget` objects (and for at most about pause_us unless the budget is RC_BUDGET_UNBOUNDED); returns the objects still pending. */
rc_decl_export size_t rt_tick(rc_ctx_t* ctx, size_t budget);
/* Release everything pending, run all finalizers, then collect the thread's heap (forced). */
rc_decl_export void rt_collect(rc_ctx_t* ctx);

/* Totals: threads already detached plus the calling thread (if attached), and the process RSS; allocs, reuse_hits and reuse_tokens are exact only for code built with RC_STATS=1 (see rc_stats_t). */
rc_decl_export void rt_stats(rt_stats_t* out);
/* Counters of one thread's context only (call on that thread). */
rc_decl_export void rt_thread_stats(const rc_ctx_t* ctx, rt_stats_t* out);

/* Begin a task on this thread: allocations go to a fresh arena heap until rt_task_end. */
rc_decl_export rt_task_t* rt_task_begin(rc_ctx_t* ctx);
/* End the innermost task: release pending work, copy `result` out of the arena, destroy the arena; returns the copy. */
rc_decl_export rc_val_t rt_task_end(rc_ctx_t* ctx, rt_task_t* task, rc_val_t result);
/* Run `fn(ctx, arg)` as a task (rt_task_begin, call, rt_task_end) and return its exported result. */
rc_decl_export rc_val_t rt_task_run(rc_ctx_t* ctx, rt_task_fun* fn, void* arg);

#ifdef __cplusplus
}
#endif

#endif /* MIRT_RUNTIME_H */
