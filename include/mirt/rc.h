/* SPDX-License-Identifier: MIT */
/* rc.h -- reference-counted objects (rc_*): header, tagged values, inline dup/drop and reuse.
 *
 * An object is a one-word header followed by its fields.  The first `scan`
 * fields are values (rc_val_t) that the runtime follows when it releases,
 * shares or exports the object; the rest is raw data.  A value is either an
 * immediate (low bit 1: small integer, enum) or a pointer to an object.
 *
 * Reference count encoding (signed 32 bits, as in Koka and Lean):
 *     0                 unique, owned by one thread
 *     n > 0             thread-local, n+1 references (plain updates)
 *     -1 .. -n          thread-shared, n references (atomic updates)
 *     <= RC_STICKY_DROP sticky: drop is a no-op, the object is never freed
 *     <= RC_STICKY      sticky: dup is a no-op too (statics, overflow)
 * A local count that would pass INT32_MAX becomes sticky (RC_STUCK); no
 * count ever reaches INT32_MIN, which the drop fast path relies on.
 * The inline fast paths of rc_dup/rc_drop do one load, one compare and one
 * store for thread-local objects (rc_dup: 3 instructions on x86-64, see
 * RC_ASM; rc_drop: 4); everything else is out of line.  The
 * reuse test (rc_reuse_take) is one load and one masked test of the header.
 *
 * Statistics: the inline paths (rc_alloc, rc_alloc_at, rc_reuse_take) bump
 * counters only when the including file is compiled with RC_STATS=1; the
 * slow paths in the library always count (see rc_stats_t for which counts
 * are exact in either build).
 *
 * Every function taking an `rc_ctx_t*` must be called on the thread that owns
 * the context (see <mirt/runtime.h>: rt_thread_attach).
 */
#ifndef MIRT_RC_H
#define MIRT_RC_H

#include <mimalloc.h>  /* mi_heap_t, mi_heap_malloc_small */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#  define rc_decl_export   __attribute__((visibility("default")))
#  define rc_likely(x)     __builtin_expect(!!(x), 1)
#  define rc_unlikely(x)   __builtin_expect(!!(x), 0)
#else
#  define rc_decl_export
#  define rc_likely(x)     (x)
#  define rc_unlikely(x)   (x)
#endif

/* Under ThreadSanitizer every count update goes through the atomic slow
   paths, so the (benign, sign-only) plain reads of shared counts are not
   reported.  Define RC_FAST_PATHS to 0 to get the same behaviour elsewhere. */
#ifndef RC_FAST_PATHS
#  if defined(__SANITIZE_THREAD__)
#    define RC_FAST_PATHS 0
#  elif defined(__has_feature)
#    if __has_feature(thread_sanitizer)
#      define RC_FAST_PATHS 0
#    endif
#  endif
#endif
#ifndef RC_FAST_PATHS
#  define RC_FAST_PATHS 1
#endif

/* RC_ASM=1 (the default on x86-64 with GCC >= 11 or clang >= 11, which take
   `asm goto` with outputs): rc_dup_obj's fast path is three instructions of
   inline assembly that test and increment the count in memory; RC_ASM=0
   builds its plain C twin (five instructions, same behaviour), which the
   *_nostats test runners use. */
#ifndef RC_ASM
#  if RC_FAST_PATHS && defined(__x86_64__) && \
      ((defined(__clang__) && __clang_major__ >= 11) || (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 11))
#    define RC_ASM 1
#  else
#    define RC_ASM 0
#  endif
#endif

/* RC_STATS=1: the inline allocation and reuse paths count allocs,
   reuse_hits and reuse_tokens (one memory increment each).  Off by default:
   a compiler's generated code gets the bare fast paths. */
#ifndef RC_STATS
#  define RC_STATS 0
#endif
#if RC_STATS
#  define RC_STAT_INC(ctx, field)  ((ctx)->st.field++)
#else
#  define RC_STAT_INC(ctx, field)  ((void)0)
#endif

/* ---------------------------------------------------------------------
   Objects and values
--------------------------------------------------------------------- */

/* The object header (8 bytes, little-endian layout relied upon by the
   release queue, which keeps `scan` and `flags` intact in dead objects). */
typedef struct rc_obj_s {
  int32_t  rc;     /* reference count, see the encoding above */
  uint16_t tag;    /* constructor tag, free for the language */
  uint8_t  scan;   /* leading value fields; RC_SCAN_LARGE: count in the first word */
  uint8_t  flags;  /* bits 0-1 runtime flags, bits 2-7 kind index (0 = none) */
} rc_obj_t;

typedef uintptr_t rc_val_t;   /* low bit 1: immediate; else a non-NULL rc_obj_t* */
typedef rc_obj_t* rc_reuse_t; /* memory of a dead unique object, or NULL */
typedef struct rc_ctx_s rc_ctx_t;

#define RC_STICKY       ((int32_t)(INT32_MIN + 0x10000000))  /* at or below: no dup, no drop */
#define RC_STICKY_DROP  ((int32_t)(INT32_MIN + 0x20000000))  /* at or below: no drop */
#define RC_STUCK        ((int32_t)(INT32_MIN + 0x08000000))  /* sticky value set by the runtime (mid-band) */
#define RC_SCAN_LARGE   0xFF     /* field count is stored in the word after the header */
#define RC_SCAN_MAX     0xFE     /* most value fields of an ordinary object */
#define RC_KIND_MAX     63       /* registered kinds are numbered 1..RC_KIND_MAX */
#define RC_KIND_SHIFT   2
#define RC_F_FORWARDED  0x01     /* runtime flag: copied out of a dying arena */
#define RC_F_LARGE      0x02     /* runtime flag: large layout (scan == RC_SCAN_LARGE), never reused */
/* Header bits that must all be zero for a cell to be reused: the count
   (unique), RC_F_LARGE and the kind index (bytes 0-3 and bits 57-63). */
#define RC_REUSE_MASK   ((uint64_t)0xFE000000FFFFFFFFull)
#define RC_NO_REUSE     ((rc_reuse_t)NULL)
#define RC_BUDGET_UNBOUNDED SIZE_MAX

/* Immediate values. */
#define RC_IMM(n)  ((rc_val_t)(((uintptr_t)(intptr_t)(n) << 1) | 1))
static inline rc_val_t rc_int(intptr_t n)          { return RC_IMM(n); }
static inline intptr_t rc_int_val(rc_val_t v)      { return (intptr_t)v >> 1; }
static inline bool     rc_is_imm(rc_val_t v)       { return (v & 1) != 0; }
static inline bool     rc_is_obj(rc_val_t v)       { return (v & 1) == 0; }
static inline rc_val_t rc_val(const rc_obj_t* o)   { return (rc_val_t)o; }
static inline rc_obj_t* rc_obj(rc_val_t v)         { return (rc_obj_t*)v; }

/* Field access (ordinary objects; large objects use rc_large_fields). */
static inline rc_val_t* rc_fields(rc_obj_t* o)     { return (rc_val_t*)(o + 1); }
static inline rc_val_t  rc_field(rc_obj_t* o, size_t i) { return rc_fields(o)[i]; }
static inline void*     rc_payload(rc_obj_t* o)    { return rc_fields(o) + o->scan; }
static inline size_t    rc_large_count(rc_obj_t* o) { return *(size_t*)(o + 1); }
static inline rc_val_t* rc_large_fields(rc_obj_t* o) { return (rc_val_t*)(o + 1) + 1; }
static inline unsigned  rc_kind_of(const rc_obj_t* o) { return (unsigned)o->flags >> RC_KIND_SHIFT; }

/* ---------------------------------------------------------------------
   Kinds: external data with a finalizer and a child visitor
--------------------------------------------------------------------- */
typedef void (rc_visit_fun)(rc_val_t child, void* arg);

typedef struct rc_kind_s {
  const char* name;
  /* Runs at a safe point (rt_tick, rt_collect, task end, detach, shutdown),
     never inside rc_drop or the allocator callback.  The object's header and
     fields are intact and alive; afterwards its fields are released and its
     memory freed.  It must not keep `o`; it may drop values it owns. */
  void (*finalize)(rc_ctx_t* ctx, rc_obj_t* o);
  /* Calls `fn` on every value held outside the scanned fields (marking). */
  void (*visit)(rc_obj_t* o, rc_visit_fun* fn, void* arg);
} rc_kind_t;

/* Register a kind (process-wide, before objects of it exist); returns its index 1..RC_KIND_MAX, or 0 when full. */
rc_decl_export unsigned rc_kind_register(const rc_kind_t* kind);

/* ---------------------------------------------------------------------
   Per-thread context (fields are the runtime's; read them via rt_stats)
--------------------------------------------------------------------- */
/* Exactness: every count is exact except the three marked [RC_STATS], which
   the inline paths update only in code compiled with RC_STATS=1; without
   it they count just the library's out-of-line calls (rc_alloc_large,
   rc_alloc_kind, rc_drop_reuse, task exports).  All code built with
   RC_STATS=1 makes them exact too (allocs == frees once all is released). */
typedef struct rc_stats_s {
  uint64_t allocs;         /* [RC_STATS] objects allocated (rc_alloc*, not reuse) */
  uint64_t frees;          /* objects freed by the release queue or unused tokens */
  uint64_t reuse_hits;     /* [RC_STATS] tokens reused (rc_alloc_at, rc_reuse_same) */
  uint64_t reuse_tokens;   /* [RC_STATS] tokens produced by rc_drop_reuse / rc_reuse_take */
  uint64_t atomic_ops;     /* atomic count updates on shared objects */
  uint64_t marked_shared;  /* objects marked thread-shared */
  uint64_t sticky;         /* objects that became sticky (overflow, huge shared counts) */
  uint64_t pushed;         /* dead objects queued for release */
  uint64_t drained;        /* release work units done (object freed or large chunk) */
  uint64_t max_pending;    /* most objects ever waiting on the pending list */
  uint64_t max_drop;       /* most objects freed by one rc_drop */
  uint64_t drops_timed;    /* releasing drops measured (when timing is on) */
  uint64_t max_drop_ns;    /* longest releasing drop measured */
  uint64_t max_beat_ns;    /* longest heartbeat drain measured (when timing is on) */
  uint64_t max_tick_ns;    /* longest rt_tick measured (when timing is on) */
  uint64_t heartbeats;     /* allocator heartbeats seen by this thread */
  uint64_t ticks;          /* rt_tick calls */
  uint64_t finalized;      /* finalizers run */
  uint64_t assists;        /* allocations that drained because pending passed the soft limit */
  uint64_t tasks;          /* tasks ended (arenas destroyed) */
  uint64_t exported;       /* objects copied out of task arenas */
  uint64_t escapes;        /* references into a destroyed arena found by the check */
} rc_stats_t;

struct rt_task_s;

struct rc_ctx_s {
  mi_heap_t*  heap;          /* allocation heap: the thread's, or the current task's arena */
  size_t      npending;      /* objects on the pending list */
  size_t      soft_limit;    /* above it, every allocation assists the release */
  size_t      drop_budget;   /* release units per rc_drop (RC_BUDGET_UNBOUNDED: eager) */
  size_t      tick_budget;   /* release units per allocator heartbeat */
  uint64_t    pause_ns;      /* bounded drains also stop after about this long (0: by count only) */
  rc_obj_t*   pending;       /* dead objects whose fields are not yet released (LIFO) */
  rc_obj_t*   fin_head;      /* dead objects waiting for their finalizer (FIFO) */
  rc_obj_t*   fin_tail;
  size_t      nfinal;        /* objects waiting for their finalizer */
  unsigned    busy;          /* inside a drain, a mark or an export */
  bool        time_drops;    /* measure releasing drops (histogram) */
  uint32_t*   drop_hist;     /* log-linear histogram of releasing-drop times */
  mi_heap_t*  thread_heap;   /* the heap created at attach */
  struct rt_task_s* task;    /* innermost running task, or NULL */
  void*       link;          /* runtime registry */
  rc_stats_t  st;
};

/* ---------------------------------------------------------------------
   Out-of-line parts (called by the inline fast paths below)
--------------------------------------------------------------------- */
/* Slow dup: shared (atomic) or sticky object; also every dup when RC_FAST_PATHS is 0. */
rc_decl_export void rc_dup_slow(rc_obj_t* o);
/* Slow drop: count 0 (release, bounded by ctx->drop_budget), shared (atomic) or sticky. */
rc_decl_export void rc_drop_slow(rc_ctx_t* ctx, rc_obj_t* o);
/* The stored count of `o`, read atomically (relaxed). */
rc_decl_export int32_t rc_refcount_atomic(const rc_obj_t* o);
/* Allocation assist: pending passed the soft limit; release a few objects now. */
rc_decl_export void rc_assist(rc_ctx_t* ctx);
/* Allocation failed: release everything pending, collect, retry; aborts with a message if still out of memory. */
rc_decl_export void* rc_alloc_retry(rc_ctx_t* ctx, size_t size);
/* rc_alloc_retry for the calling thread's context (what the inline rc_alloc calls: it keeps no context live across the allocation). */
rc_decl_export void* rc_alloc_retry_current(size_t size);

/* The whole header word of `o` (one load). */
static inline uint64_t rc_header_word(const rc_obj_t* o) {
  uint64_t w; __builtin_memcpy(&w, o, sizeof w); return w;
}
/* Write a fresh header (count 0, no flags) in one store. */
static inline void rc_header_init(rc_obj_t* o, unsigned scan, uint16_t tag) {
  uint64_t w = ((uint64_t)(uint8_t)scan << 48) | ((uint64_t)tag << 32);
  __builtin_memcpy(o, &w, sizeof w);
}

/* The stored count of `o`: a plain read on the fast-path build (only its
   sign matters for a shared object), an atomic one otherwise. */
static inline int32_t rc_refcount(const rc_obj_t* o) {
#if RC_FAST_PATHS
  return o->rc;
#else
  return rc_refcount_atomic(o);
#endif
}

/* ---------------------------------------------------------------------
   Allocation
--------------------------------------------------------------------- */
/* Allocate a unique object of `size` bytes (header included) with `scan` value fields and `tag`; fields are uninitialised. */
static inline rc_obj_t* rc_alloc(rc_ctx_t* ctx, size_t size, unsigned scan, uint16_t tag) {
  if (rc_unlikely(ctx->npending > ctx->soft_limit)) rc_assist(ctx);
  void* p = (size <= MI_SMALL_SIZE_MAX ? mi_heap_malloc_small(ctx->heap, size)
                                       : mi_heap_malloc(ctx->heap, size));
  if (rc_unlikely(p == NULL)) p = rc_alloc_retry_current(size);
  rc_obj_t* o = (rc_obj_t*)p;
  rc_header_init(o, scan, tag);
  RC_STAT_INC(ctx, allocs);
  return o;
}

/* Allocate a large-layout object: a count word, `nfields` value fields (any number, set to rc_int(0)), then `raw` bytes. */
rc_decl_export rc_obj_t* rc_alloc_large(rc_ctx_t* ctx, size_t nfields, size_t raw, uint16_t tag);
/* Allocate an object of a registered kind; `size`, `scan` and `tag` as for rc_alloc. */
rc_decl_export rc_obj_t* rc_alloc_kind(rc_ctx_t* ctx, unsigned kind, size_t size, unsigned scan, uint16_t tag);
/* Initialise a static (never freed) object: sticky count, `scan` fields that must be immediates or statics. */
rc_decl_export void rc_init_static(rc_obj_t* o, unsigned scan, uint16_t tag);

/* ---------------------------------------------------------------------
   Reference counting
--------------------------------------------------------------------- */
/* Add a reference to object `o`; returns `o`. */
static inline rc_obj_t* rc_dup_obj(rc_obj_t* o) {
#if RC_FAST_PATHS && RC_ASM
  /* The count, read as unsigned, is below INT32_MAX exactly when the object
     is thread-local and one more reference cannot overflow: then add one in
     place; otherwise (shared, sticky, INT32_MAX) the slow path. */
  __asm__ goto ("cmpl $0x7ffffffe, %0\n\t"
                "ja %l[slow]\n\t"
                "addl $1, %0"
                : "+m" (o->rc) : : "cc" : slow);
  return o;
#if defined(__clang__)
slow: __attribute__((unused));
#else
slow: __attribute__((cold, unused));   /* keeps the slow call out of the hot path */
#endif
  rc_dup_slow(o);
  return o;
#else
#if RC_FAST_PATHS
  /* rc + 1 > 0 is rc >= 0 except at INT32_MAX, which the slow path makes
     sticky: so a count never wraps, and never reaches INT32_MIN. */
  int32_t n = (int32_t)((uint32_t)o->rc + 1);
  if (rc_likely(n > 0)) { o->rc = n; return o; }
#endif
  rc_dup_slow(o);
  return o;
#endif
}

/* Add a reference to `v` (no-op for immediates); returns `v`. */
static inline rc_val_t rc_dup(rc_val_t v) {
  if (rc_is_obj(v)) rc_dup_obj(rc_obj(v));
  return v;
}

/* Give up a reference to object `o`; the last one releases it (bounded, see rt_tick). */
static inline void rc_drop_obj(rc_ctx_t* ctx, rc_obj_t* o) {
#if RC_FAST_PATHS
  /* rc - 1 >= 0 is rc > 0, and the sign of the difference is the test (no
     separate compare); the count never reaches INT32_MIN (sticky band). */
  int32_t n = o->rc - 1;
  if (rc_likely(n >= 0)) { o->rc = n; return; }
#endif
  rc_drop_slow(ctx, o);
}

/* Give up a reference to `v` (no-op for immediates). */
static inline void rc_drop(rc_ctx_t* ctx, rc_val_t v) {
  if (rc_is_obj(v)) rc_drop_obj(ctx, rc_obj(v));
}

/* Can the memory of `o` be reused by its holder: unique, no kind, not large? (one load, one test) */
static inline bool rc_is_reusable(const rc_obj_t* o) {
#if RC_FAST_PATHS
  return (rc_header_word(o) & RC_REUSE_MASK) == 0;
#else
  return rc_refcount(o) == 0 && (o->flags & ~RC_F_FORWARDED) == 0;
#endif
}

/* Is `v` an object with exactly one reference, held by this thread? */
static inline bool rc_is_unique(rc_val_t v) {
  return rc_is_obj(v) && rc_refcount(rc_obj(v)) == 0;
}

/* Is `v` an object marked thread-shared (or sticky)? */
static inline bool rc_is_shared(rc_val_t v) {
  return rc_is_obj(v) && rc_refcount(rc_obj(v)) < 0;
}

/* Mark everything reachable from `v` thread-shared (iterative); call before another thread can see `v`. */
rc_decl_export void rc_mark_shared(rc_ctx_t* ctx, rc_val_t v);
/* Make `o` sticky: never freed, dup and drop become no-ops (for long-lived roots). */
rc_decl_export void rc_make_sticky(rc_obj_t* o);

/* ---------------------------------------------------------------------
   Perceus reuse
--------------------------------------------------------------------- */
/* Drop `v`; if it was unique (and has no kind), drop its fields but keep its memory as a token. */
rc_decl_export rc_reuse_t rc_drop_reuse(rc_ctx_t* ctx, rc_val_t v);

/* Not reusable: dup every value field of `o`, drop `o` (the out-of-line half of rc_reuse_take). */
rc_decl_export void rc_take_fields(rc_ctx_t* ctx, rc_obj_t* o);

/* Consume `o` whose value fields the caller takes over (a match): unique -> its memory as a token;
   otherwise each value field is dup'ed, `o` dropped and RC_NO_REUSE returned. Read raw fields first.
   The token keeps its header until rc_alloc_at or rc_reuse_same: no arena check (task end) may run meanwhile. */
static inline rc_reuse_t rc_reuse_take(rc_ctx_t* ctx, rc_obj_t* o) {
  if (rc_likely(rc_is_reusable(o))) {
    RC_STAT_INC(ctx, reuse_tokens);
    return o;
  }
  rc_take_fields(ctx, o);
  return RC_NO_REUSE;
}

/* Build a new object in token `r` (or allocate when `r` is RC_NO_REUSE); `size` must fit the token's object. */
static inline rc_obj_t* rc_alloc_at(rc_ctx_t* ctx, rc_reuse_t r, size_t size, unsigned scan, uint16_t tag) {
  if (rc_likely(r != RC_NO_REUSE)) {
    rc_header_init(r, scan, tag);
    RC_STAT_INC(ctx, reuse_hits);
    return r;
  }
  return rc_alloc(ctx, size, scan, tag);
}

/* Reuse specialization (what Koka emits): rebuild in token `r` (not RC_NO_REUSE) an object of the same tag and scan as the
   one it was taken from; its header is kept as it is (count 0), so the caller stores only the fields that change. */
static inline rc_obj_t* rc_reuse_same(rc_ctx_t* ctx, rc_reuse_t r) {
  (void)ctx;
  RC_STAT_INC(ctx, reuse_hits);
  return r;
}

/* Free an unused token (no-op for RC_NO_REUSE). */
static inline void rc_reuse_release(rc_ctx_t* ctx, rc_reuse_t r) {
  if (r != RC_NO_REUSE) { mi_free(r); ctx->st.frees++; }
}

#ifdef __cplusplus
}
#endif

#endif /* MIRT_RC_H */
