/* SPDX-License-Identifier: MIT */
/* heartbeat.c -- draining pending releases: the allocator heartbeat, rt_tick safe points and rt_collect.
 *
 * The allocator calls the deferred-free hook from its allocation slow path
 * at a rhythm that depends only on the allocation sequence (mimalloc: every
 * slow path in 2.0, every 100th in 2.2; mirt: every heartbeat_period-th),
 * and from mi_collect with force = the collect's force.  So release work
 * done here is deterministic: two runs of a deterministic program see the
 * same heartbeats and free the same objects at the same points -- as long
 * as pause_us is 0; with a pause bound a drain also stops at a deadline.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "internal.h"

/* Runs inside an allocation: memory work only, never a finalizer. */
void _rt_heartbeat(bool force, unsigned long long heartbeat, void* arg) {
  (void)arg;
  rc_ctx_t* ctx = _rc_tls_ctx;
  if (ctx == NULL || ctx->busy != 0) return;   /* foreign thread, or inside our own work */
  ctx->st.heartbeats++;
  size_t drained = 0;
  if (ctx->pending != NULL) {
    uint64_t t0 = (ctx->time_drops ? _rc_now_ns() : 0);
    drained = (force ? _rc_drain(ctx, RC_BUDGET_UNBOUNDED) : _rc_drain_paced(ctx, ctx->tick_budget));
    if (ctx->time_drops) {
      uint64_t dt = _rc_now_ns() - t0;
      if (dt > ctx->st.max_beat_ns) ctx->st.max_beat_ns = dt;
    }
  }
  rt_heartbeat_fun* hook = _rt_config.on_heartbeat;
  if (hook != NULL) {
    ctx->busy++;
    hook(ctx, heartbeat, force, drained, _rt_config.on_heartbeat_arg);
    ctx->busy--;
  }
}

size_t rt_tick(rc_ctx_t* ctx, size_t budget) {
  ctx->st.ticks++;
  if (ctx->busy == 0) {
    uint64_t t0 = (ctx->time_drops ? _rc_now_ns() : 0);
    size_t used = _rc_run_finalizers(ctx, budget);
    if (used < budget) _rc_drain_paced(ctx, budget == RC_BUDGET_UNBOUNDED ? budget : budget - used);
    if (ctx->time_drops) {
      uint64_t dt = _rc_now_ns() - t0;
      if (dt > ctx->st.max_tick_ns) ctx->st.max_tick_ns = dt;
    }
  }
  return ctx->npending + ctx->nfinal;
}

void rt_collect(rc_ctx_t* ctx) {
  if (ctx->busy == 0) _rc_release_all(ctx);
  mi_heap_collect(ctx->heap, true);
  if (ctx->heap != ctx->thread_heap) mi_heap_collect(ctx->thread_heap, true);
}
