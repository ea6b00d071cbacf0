/* SPDX-License-Identifier: MIT
 * deferred.c -- several deferred-free callbacks at once (mirt extension):
 * mi_deferred_free_add / mi_deferred_free_remove.  Two runtimes in one
 * process (a Koka program embedding a library built on another runtime,
 * two interpreters) each add their own heartbeat callback instead of
 * replacing each other's with mi_register_deferred_free, which keeps its
 * one-callback contract and runs beside these.
 *
 * A fixed table of slots, changed under a lock and read without one: each
 * slot has a state word (even: free, odd: in use) that every change bumps,
 * so a reader that sees the same odd state before and after reading the
 * callback and its argument has a consistent pair (a sequence lock).
 */
#include "internal.h"
#include <pthread.h>

#define MI_DEFERRED_SLOTS 16   /* handles encode the slot in 4 bits */

typedef struct deferred_slot_s {
  mi_atomic_t state;   /* bumped on add and remove; odd while in use */
  mi_atomic_t fn;      /* mi_deferred_free_fun* */
  mi_atomic_t arg;
} deferred_slot_t;

static deferred_slot_t deferred_slots[MI_DEFERRED_SLOTS];
static mi_atomic_t deferred_count;   /* slots in use: the heartbeat's quick exit */
static pthread_mutex_t deferred_lock = PTHREAD_MUTEX_INITIALIZER;

size_t mi_deferred_free_add(mi_deferred_free_fun* fn, void* arg) {
  if (fn == NULL) return 0;
  size_t handle = 0;
  pthread_mutex_lock(&deferred_lock);
  for (size_t i = 0; i < MI_DEFERRED_SLOTS; i++) {
    deferred_slot_t* s = &deferred_slots[i];
    uintptr_t st = mi_atomic_load_relaxed(&s->state);
    if (st & 1) continue;
    mi_atomic_store_relaxed(&s->fn, (uintptr_t)fn);
    mi_atomic_store_relaxed(&s->arg, (uintptr_t)arg);
    mi_atomic_store_release(&s->state, st + 1);   /* publishes fn and arg */
    mi_atomic_add_acq_rel(&deferred_count, 1);
    handle = ((size_t)(st + 1) << 4) | i;
    break;
  }
  pthread_mutex_unlock(&deferred_lock);
  return handle;
}

bool mi_deferred_free_remove(size_t handle) {
  size_t i = handle & (MI_DEFERRED_SLOTS - 1);
  uintptr_t want = (uintptr_t)(handle >> 4);
  bool ok = false;
  pthread_mutex_lock(&deferred_lock);
  deferred_slot_t* s = &deferred_slots[i];
  if ((want & 1) != 0 && mi_atomic_load_relaxed(&s->state) == want) {
    mi_atomic_store_release(&s->state, want + 1);
    mi_atomic_add_acq_rel(&deferred_count, -1);
    ok = true;
  }
  pthread_mutex_unlock(&deferred_lock);
  return ok;
}

bool _mi_deferred_free_any(void) {
  return mi_atomic_load_relaxed(&deferred_count) != 0;
}

void _mi_deferred_free_run(bool force, unsigned long long heartbeat) {
  if (mi_atomic_load_acquire(&deferred_count) == 0) return;
  for (size_t i = 0; i < MI_DEFERRED_SLOTS; i++) {
    deferred_slot_t* s = &deferred_slots[i];
    uintptr_t st = mi_atomic_load_acquire(&s->state);
    if ((st & 1) == 0) continue;
    mi_deferred_free_fun* fn = (mi_deferred_free_fun*)mi_atomic_load_relaxed(&s->fn);
    void* arg = (void*)mi_atomic_load_relaxed(&s->arg);
    mi_atomic_fence_seq_cst();   /* the reads above before the re-check */
    if (mi_atomic_load_relaxed(&s->state) != st || fn == NULL) continue;
    fn(force, heartbeat, arg);
  }
}
