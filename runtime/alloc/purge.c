/* SPDX-License-Identifier: MIT
 * purge.c -- the purge policy: when resident free memory goes back to the OS.
 *
 * A purge (MADV_DONTNEED) that is faulted back in soon after costs more than
 * it saved: the madvise call, then one page fault and a page of zeroing per
 * 4 KiB.  So memory goes back only when it has stayed unused for a while *as
 * a process*, never because one thread exited, one page emptied or one heap
 * or arena was destroyed:
 *
 *  - Freed slices stay resident with a deadline: now + delay, where delay
 *    is purge_delay (large blocks: large_purge_delay).  Abandoned and cached
 *    segments keep their slices' deadlines; the next thread, heap or arena
 *    takes resident free memory before clean memory (segment.c, page.c).
 *  - Budget: while the process holds more unused resident memory than its
 *    budget -- MI_PURGE_FLOOR plus 1/4 of the peak of memory in use -- the
 *    excess is purged once due and a quarter of the adaptive wait below has
 *    passed.  Within the budget a slice waits (mult - 1) x purge_delay
 *    longer.
 *  - Adaptive wait: claiming a slice that was purged less than
 *    max(8 x the wait, MI_PURGE_WINDOW_MS) ago is a wasted purge; each one
 *    doubles mult (up to MI_PURGE_MULT_MAX), and every MI_PURGE_DECAY_MS
 *    without waste halves it again.  A workload that reuses its memory at a
 *    steady rhythm stops being purged within the budget; one that moved on
 *    is purged at the base delay; an idle one within 64 x purge_delay.
 *  - Batched and bounded: contiguous due slices go back with one madvise;
 *    one purge pass inside malloc or free purges at most MI_PURGE_PASS_MAX
 *    bytes (the rest waits for the next pass), so no allocation pays for an
 *    unbounded purge.  mi_collect(true) purges everything at once.
 *
 * The state is process-wide (atomics, relaxed: the figures steer a
 * heuristic, races only move a decision by one pass).  Ground floor: this
 * file calls only options, the clock and the atomics.
 */
#include "internal.h"

#define MI_PURGE_FLOOR      (8 * MI_MiB)   /* unused memory always allowed to wait */
#define MI_PURGE_WINDOW_MS  100            /* a refault within this (at least) was a wasted purge */
#define MI_PURGE_DECAY_MS   1000           /* mult halves after this long without waste */
#define MI_PURGE_MULT_MAX   64

static mi_atomic_t purge_unused;      /* bytes of free, resident (dirty) slices in segments */
static mi_atomic_t purge_inuse;       /* bytes of slices in pages */
static mi_atomic_t purge_inuse_peak;
static mi_atomic_t purge_mult = 1;    /* adaptive multiplier of the delays */
static mi_atomic_t purge_last_change; /* ms of the last doubling or halving */
static mi_atomic_t purge_wasted;      /* wasted purges seen (statistics, tests) */

static inline int64_t gauge(const mi_atomic_t* p) { return (int64_t)mi_atomic_load_relaxed(p); }

size_t _mi_purge_mult(void) {
  return (size_t)mi_atomic_load_relaxed(&purge_mult);
}

size_t _mi_purge_wasted(void) {
  return (size_t)mi_atomic_load_relaxed(&purge_wasted);
}

size_t _mi_purge_unused(void) {
  const int64_t v = gauge(&purge_unused);
  return (v < 0 ? 0 : (size_t)v);
}

size_t _mi_purge_budget(void) {
  const int64_t peak = gauge(&purge_inuse_peak);
  return MI_PURGE_FLOOR + (peak < 0 ? 0 : (size_t)peak / 4);
}

/* Halve the multiplier when the last change is old enough. */
static void purge_decay(uint64_t now) {
  uintptr_t mult = mi_atomic_load_relaxed(&purge_mult);
  if (mult <= 1) return;
  uintptr_t last = mi_atomic_load_relaxed(&purge_last_change);
  if (now < last + MI_PURGE_DECAY_MS) return;
  if (mi_atomic_cas_acq_rel(&purge_last_change, &last, now)) {
    mi_atomic_cas_acq_rel(&purge_mult, &mult, mult / 2);
  }
}

uint64_t _mi_purge_deadline(uint64_t now, bool large) {
  const long delay = _mi_option_get_fast(large ? mi_option_large_purge_delay : mi_option_purge_delay);
  if (delay < 0) return UINT64_MAX;
  if (delay == 0) return 0;
  return now + (uint64_t)delay;
}

void _mi_purge_span_freed(size_t bytes, bool resident) {
  mi_atomic_add_relaxed(&purge_inuse, -(intptr_t)bytes);
  if (resident) mi_atomic_add_relaxed(&purge_unused, (intptr_t)bytes);
}

void _mi_purge_span_claimed(size_t bytes, size_t resident) {
  if (resident > 0) mi_atomic_add_relaxed(&purge_unused, -(intptr_t)resident);
  const uintptr_t now_inuse = mi_atomic_add_relaxed(&purge_inuse, (intptr_t)bytes) + bytes;
  uintptr_t peak = mi_atomic_load_relaxed(&purge_inuse_peak);
  while ((intptr_t)now_inuse > (intptr_t)peak && !mi_atomic_cas_acq_rel(&purge_inuse_peak, &peak, now_inuse)) { }
}

void _mi_purge_unused_add(intptr_t bytes) {
  mi_atomic_add_relaxed(&purge_unused, bytes);
}

void _mi_purge_refault(uint64_t purged_at, uint64_t now) {
  if (purged_at == 0 || now < purged_at) return;
  const long delay = _mi_option_get_fast(mi_option_purge_delay);
  if (delay <= 0) return;
  uintptr_t mult = mi_atomic_load_relaxed(&purge_mult);
  uint64_t window = 8 * (uint64_t)delay * mult;
  if (window < MI_PURGE_WINDOW_MS) window = MI_PURGE_WINDOW_MS;
  if (now - purged_at >= window) return;
  mi_atomic_add_relaxed(&purge_wasted, 1);
  /* one doubling per wasted pass, not per slice of it: at most one per ms */
  uintptr_t last = mi_atomic_load_relaxed(&purge_last_change);
  if (mult < MI_PURGE_MULT_MAX && last != now && mi_atomic_cas_acq_rel(&purge_last_change, &last, now)) {
    mi_atomic_cas_acq_rel(&purge_mult, &mult, mult * 2);
  }
  else if (mult >= MI_PURGE_MULT_MAX) {
    mi_atomic_store_relaxed(&purge_last_change, now);   /* still wasting: stay at the top */
  }
}

void _mi_purge_pass_begin(mi_purge_pass_t* pass, uint64_t now, bool force, bool bounded) {
  purge_decay(now);
  pass->now = now;
  pass->force = force;
  pass->left = (force || !bounded ? SIZE_MAX : MI_PURGE_PASS_MAX);
  const long delay = _mi_option_get_fast(mi_option_purge_delay);
  pass->extra = (delay <= 0 ? 0 : (uint64_t)delay * (mi_atomic_load_relaxed(&purge_mult) - 1));
  const size_t unused = _mi_purge_unused(), budget = _mi_purge_budget();
  pass->over = (force ? SIZE_MAX : (unused > budget ? unused - budget : 0));
}

uint64_t _mi_purge_when(const mi_purge_pass_t* pass, uint64_t due) {
  if (pass->force) return 0;
  if (due == UINT64_MAX) return UINT64_MAX;
  const uint64_t over_due = due + pass->extra / 4;          /* over the budget: a quarter of the adaptive wait */
  if (over_due <= pass->now && pass->over > 0) return 0;
  const uint64_t late = due + pass->extra;                  /* within the budget: the adaptive wait */
  if (late <= pass->now) return 0;
  if (over_due > pass->now) return over_due;                /* the next time to look */
  return late;
}

void _mi_purge_pass_took(mi_purge_pass_t* pass, size_t bytes, bool released) {
  if (!pass->force) pass->left = (bytes >= pass->left ? 0 : pass->left - bytes);
  pass->over = (bytes >= pass->over ? 0 : pass->over - bytes);
  /* MADV_FREE leaves the slices dirty (the kernel may keep their pages): they stay counted */
  if (released) mi_atomic_add_relaxed(&purge_unused, -(intptr_t)bytes);
}
