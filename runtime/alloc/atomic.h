/* SPDX-License-Identifier: MIT
 * atomic.h -- the one wrapper over libatomic_ops.
 *
 * Every atomic operation in mirt goes through these functions; each is named
 * after its memory order, so the set of orders used can be audited with grep.
 * Nothing else includes <atomic_ops.h>.  Atomic variables are `mi_atomic_t`
 * (one machine word) and struct fields holding them start with `x`.
 */
#ifndef MI_ATOMIC_H
#define MI_ATOMIC_H

#define AO_REQUIRE_CAS
#include <atomic_ops.h>
#include <stdbool.h>
#include <stdint.h>

#if !defined(AO_HAVE_compare_and_swap_full) || !defined(AO_HAVE_compare_and_swap_release) \
 || !defined(AO_HAVE_compare_and_swap_acquire) || !defined(AO_HAVE_fetch_compare_and_swap_full) \
 || !defined(AO_HAVE_fetch_and_add) || !defined(AO_HAVE_fetch_and_add_full) \
 || !defined(AO_HAVE_load_acquire) || !defined(AO_HAVE_store_release) || !defined(AO_HAVE_nop_full)
#error "libatomic_ops lacks a primitive mirt needs on this target"
#endif

typedef volatile AO_t mi_atomic_t;   /* an atomic machine word */

/* ---- loads and stores -------------------------------------------------- */
static inline uintptr_t mi_atomic_load_relaxed(const mi_atomic_t* p) { return (uintptr_t)AO_load((mi_atomic_t*)p); }
static inline uintptr_t mi_atomic_load_acquire(const mi_atomic_t* p) { return (uintptr_t)AO_load_acquire((mi_atomic_t*)p); }
static inline void mi_atomic_store_relaxed(mi_atomic_t* p, uintptr_t v) { AO_store(p, (AO_t)v); }
static inline void mi_atomic_store_release(mi_atomic_t* p, uintptr_t v) { AO_store_release(p, (AO_t)v); }

/* ---- compare and swap -------------------------------------------------- */
/* Strong CAS; on failure `*expected` receives the value seen. */
static inline bool mi_atomic_cas_acq_rel(mi_atomic_t* p, uintptr_t* expected, uintptr_t desired) {
  AO_t seen = AO_fetch_compare_and_swap_full(p, (AO_t)*expected, (AO_t)desired);
  if (seen == (AO_t)*expected) return true;
  *expected = (uintptr_t)seen;
  return false;
}
/* Release CAS (publishes what was written before it); on failure `*expected` is reloaded. */
static inline bool mi_atomic_cas_release(mi_atomic_t* p, uintptr_t* expected, uintptr_t desired) {
#if defined(AO_HAVE_fetch_compare_and_swap_release)
  AO_t seen = AO_fetch_compare_and_swap_release(p, (AO_t)*expected, (AO_t)desired);
  if (seen == (AO_t)*expected) return true;
  *expected = (uintptr_t)seen;
  return false;
#else
  return mi_atomic_cas_acq_rel(p, expected, desired);
#endif
}
/* Acquire CAS (sees what the releasing thread wrote); on failure `*expected` is reloaded. */
static inline bool mi_atomic_cas_acquire(mi_atomic_t* p, uintptr_t* expected, uintptr_t desired) {
#if defined(AO_HAVE_fetch_compare_and_swap_acquire)
  AO_t seen = AO_fetch_compare_and_swap_acquire(p, (AO_t)*expected, (AO_t)desired);
  if (seen == (AO_t)*expected) return true;
  *expected = (uintptr_t)seen;
  return false;
#else
  return mi_atomic_cas_acq_rel(p, expected, desired);
#endif
}

/* ---- read-modify-write --------------------------------------------------- */
static inline uintptr_t mi_atomic_add_relaxed(mi_atomic_t* p, intptr_t n) { return (uintptr_t)AO_fetch_and_add(p, (AO_t)n); }
static inline uintptr_t mi_atomic_add_acq_rel(mi_atomic_t* p, intptr_t n) { return (uintptr_t)AO_fetch_and_add_full(p, (AO_t)n); }
/* Exchange (libatomic_ops has none: a CAS loop). */
static inline uintptr_t mi_atomic_exchange_acq_rel(mi_atomic_t* p, uintptr_t v) {
  uintptr_t old = mi_atomic_load_relaxed(p);
  while (!mi_atomic_cas_acq_rel(p, &old, v)) { }
  return old;
}
static inline void mi_atomic_fence_seq_cst(void) { AO_nop_full(); }

/* ---- 32-bit counters (reference counts of runtime/rc) -------------------- */
typedef volatile unsigned int mi_atomic32_t;
static inline unsigned int mi_atomic32_load_relaxed(const mi_atomic32_t* p) { return AO_int_load((mi_atomic32_t*)p); }
static inline void mi_atomic32_store_release(mi_atomic32_t* p, unsigned int v) { AO_int_store_release(p, v); }
static inline unsigned int mi_atomic32_add_relaxed(mi_atomic32_t* p, int n) { return AO_int_fetch_and_add(p, (unsigned int)n); }
static inline unsigned int mi_atomic32_add_acq_rel(mi_atomic32_t* p, int n) { return AO_int_fetch_and_add_full(p, (unsigned int)n); }

/* ---- typed pointer helpers (call sites never cast to AO_t) --------------- */
#define mi_atomic_load_ptr_relaxed(tp, p)  ((tp*)mi_atomic_load_relaxed(p))
#define mi_atomic_load_ptr_acquire(tp, p)  ((tp*)mi_atomic_load_acquire(p))
#define mi_atomic_store_ptr_release(p, v)  mi_atomic_store_release(p, (uintptr_t)(v))
#define mi_atomic_store_ptr_relaxed(p, v)  mi_atomic_store_relaxed(p, (uintptr_t)(v))

/* Spin-wait hint: pause (x86), yield (arm64, 32-bit arm from v6k), else a
   compiler barrier only. */
static inline void mi_atomic_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __asm__ volatile("pause" ::: "memory");
#elif defined(__aarch64__) || (defined(__arm__) && (defined(__ARM_ARCH) && __ARM_ARCH >= 7))
  __asm__ volatile("yield" ::: "memory");
#else
  __asm__ volatile("" ::: "memory");
#endif
}

#endif /* MI_ATOMIC_H */
