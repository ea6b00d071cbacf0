/* SPDX-License-Identifier: MIT
 * internal.h -- cross-file prototypes (grouped by defining file) and the small
 * inline helpers every allocator file shares, including the two fast paths.
 */
#ifndef MI_INTERNAL_H
#define MI_INTERNAL_H

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "mimalloc.h"
#include "types.h"
#include <pthread.h>
#include <string.h>   /* memset, memcpy */
#include <errno.h>

#define mi_likely(x)     __builtin_expect(!!(x), 1)
#define mi_unlikely(x)   __builtin_expect(!!(x), 0)
#define mi_decl_noinline __attribute__((noinline))
#define mi_decl_hidden   __attribute__((visibility("hidden")))
#define mi_decl_cold     __attribute__((cold))
#if MI_SECURE > 0
#define mi_fast_inline   inline __attribute__((always_inline))   /* secure: the checks make the fast paths too big for gcc to inline by itself */
#else
#define mi_fast_inline   inline
#endif

#if defined(MI_LOCAL_DYNAMIC_TLS)
#define mi_decl_tls __thread __attribute__((tls_model("local-dynamic")))
#else
#define mi_decl_tls __thread __attribute__((tls_model("initial-exec")))
#endif

_Static_assert(sizeof(mi_page_t) == (1 << MI_PAGE_DESC_SHIFT), "page descriptor size");
_Static_assert(sizeof(mi_segment_t) <= MI_SEGMENT_HEADER_SIZE, "segment header size");
_Static_assert(MI_SLICE_COUNT * sizeof(mi_page_t) <= MI_SLICE_SIZE, "metadata fits slice 0");

/* ------------------------------------------------------------------------
   Assertions
------------------------------------------------------------------------ */
void _mi_assert_fail(const char* assertion, const char* fname, unsigned line, const char* func) mi_decl_hidden __attribute__((noreturn));
#if MI_DEBUG > 0
#define mi_assert(x)  ((x) ? (void)0 : _mi_assert_fail(#x, __FILE__, __LINE__, __func__))
#else
#define mi_assert(x)  ((void)0)
#endif
#if MI_DEBUG > 1
#define mi_assert_internal(x) mi_assert(x)
#else
#define mi_assert_internal(x) ((void)0)
#endif

/* ------------------------------------------------------------------------
   Small arithmetic helpers
------------------------------------------------------------------------ */
static inline bool mi_is_power_of_two(uintptr_t x) { return x != 0 && (x & (x - 1)) == 0; }
static inline uintptr_t mi_align_up(uintptr_t x, size_t a) { return (x + a - 1) & ~((uintptr_t)a - 1); }
static inline uintptr_t mi_align_down(uintptr_t x, size_t a) { return x & ~((uintptr_t)a - 1); }
static inline size_t mi_bsr(size_t x) { return (size_t)(63 - __builtin_clzll(x)); }   /* x != 0 */
static inline bool mi_mul_overflow(size_t count, size_t size, size_t* total) {
  return __builtin_mul_overflow(count, size, total);
}

/* Thread id: unique among live threads, non-zero, low 3 bits clear (page
   flags share its word).  The thread pointer where the compiler reads it
   (x86-64: %fs:0, which the assembly free path reads too; arm64: tpidr_el0),
   else the address of a thread-local variable (one TLS access). */
#if defined(__has_builtin)
#if __has_builtin(__builtin_thread_pointer) && !defined(MI_TID_TLS_ADDRESS)
#define MI_TID_THREAD_POINTER 1
#endif
#endif
#if !defined(MI_TID_THREAD_POINTER)
extern mi_decl_tls uint64_t _mi_tid_anchor mi_decl_hidden;   /* init.c; its address is the id */
#endif
static inline uintptr_t _mi_thread_id(void) {
#if defined(MI_TID_THREAD_POINTER)
  return (uintptr_t)__builtin_thread_pointer();
#else
  return (uintptr_t)&_mi_tid_anchor;
#endif
}

/* ------------------------------------------------------------------------
   Bins
------------------------------------------------------------------------ */
/* Bin of a block size in 1..64 KiB (size 0 is served by bin 1). */
static inline size_t _mi_bin(size_t size) {
  if (size <= 128) return (size + 15) >> 4 ? (size + 15) >> 4 : 1;
  const size_t s = size - 1;
  const size_t b = mi_bsr(s);
  return ((b - 7) << 2) + ((s >> (b - 2)) & 3) + 9;
}
/* Block size of bin `bin` (1..MI_BIN_MEDIUM_MAX). */
static inline size_t _mi_bin_size(size_t bin) {
  if (bin <= 8) return bin << 4;
  const size_t j = bin - 9;
  return (5 + (j & 3)) << (5 + (j >> 2));
}

/* ------------------------------------------------------------------------
   Segments and pages from pointers
------------------------------------------------------------------------ */
extern uint8_t _mi_segment_map[MI_SEGMAP_ENTRIES] mi_decl_hidden;
extern uintptr_t _mi_process_cookie mi_decl_hidden;

static inline mi_segment_t* _mi_ptr_segment(const void* p) {
  return (mi_segment_t*)((uintptr_t)p & ~(uintptr_t)MI_SEGMENT_MASK);
}
/* Descriptor of the slice holding `p` (may be a continuation). */
static inline mi_page_t* _mi_segment_slice_of(const mi_segment_t* seg, const void* p) {
  const uintptr_t ofs = ((uintptr_t)p >> (MI_SLICE_SHIFT - MI_PAGE_DESC_SHIFT)) &
                        ((uintptr_t)(MI_SLICE_COUNT - 1) << MI_PAGE_DESC_SHIFT);
  return (mi_page_t*)((uint8_t*)seg + ofs);
}
static inline mi_page_t* _mi_segment_slice(const mi_segment_t* seg, size_t idx) {
  return (mi_page_t*)((uint8_t*)seg + (idx << MI_PAGE_DESC_SHIFT));
}
static inline size_t _mi_segment_slice_index(const mi_segment_t* seg, const mi_page_t* page) {
  return (size_t)((const uint8_t*)page - (const uint8_t*)seg) >> MI_PAGE_DESC_SHIFT;
}
static inline mi_segment_t* _mi_page_segment(const mi_page_t* page) {
  return _mi_ptr_segment(page);
}
static inline bool _mi_segment_is_valid_header(const mi_segment_t* seg) {
  return seg->cookie == ((uintptr_t)seg ^ _mi_process_cookie);
}
/* xowner is read by any thread and written by the owner: relaxed atomics. */
static inline uintptr_t mi_page_xowner(const mi_page_t* page) { return mi_atomic_load_relaxed(&page->xowner); }
static inline void mi_page_set_xowner(mi_page_t* page, uintptr_t v) { mi_atomic_store_relaxed(&page->xowner, v); }
static inline void mi_page_flag_set(mi_page_t* page, uintptr_t f) { mi_page_set_xowner(page, mi_page_xowner(page) | f); }
static inline void mi_page_flag_clear(mi_page_t* page, uintptr_t f) { mi_page_set_xowner(page, mi_page_xowner(page) & ~f); }
static inline bool mi_page_is_cont(const mi_page_t* page) { return mi_page_xowner(page) == MI_XOWNER_CONT; }
static inline uintptr_t _mi_page_tid(const mi_page_t* page) {
  return mi_page_xowner(page) & ~MI_PAGE_FLAGS_MASK;
}
static inline size_t _mi_page_size(const mi_page_t* page) {
  return page->reserved * page->block_size;
}

/* ------------------------------------------------------------------------
   Valgrind tracking (configure --enable-valgrind): blocks are announced to
   memcheck as allocated and freed, free blocks are inaccessible, and the
   allocator's own accesses to a free block's link word are bracketed.
------------------------------------------------------------------------ */
#if MI_TRACK_VALGRIND
#include <valgrind/valgrind.h>
#include <valgrind/memcheck.h>
#define mi_track_malloc(p, size, zero)  VALGRIND_MALLOCLIKE_BLOCK(p, size, 0, zero)
#define mi_track_free(p)                VALGRIND_FREELIKE_BLOCK(p, 0)
#define mi_track_noaccess(p, size)      VALGRIND_MAKE_MEM_NOACCESS(p, size)
#define mi_track_open_link(b)           VALGRIND_MAKE_MEM_DEFINED(b, sizeof(uintptr_t))
#define mi_track_open_link_w(b)         VALGRIND_MAKE_MEM_UNDEFINED(b, sizeof(uintptr_t))
#define mi_track_close_link(b)          VALGRIND_MAKE_MEM_NOACCESS(b, sizeof(uintptr_t))
#else
#define mi_track_malloc(p, size, zero)  ((void)0)
#define mi_track_free(p)                ((void)0)
#define mi_track_noaccess(p, size)      ((void)0)
#define mi_track_open_link(b)           ((void)0)
#define mi_track_open_link_w(b)         ((void)0)
#define mi_track_close_link(b)          ((void)0)
#endif

/* ------------------------------------------------------------------------
   Free-list encoding (secure builds): a link is stored XOR a mask that is a
   secret function of the address holding it, mask(a) = (a ^ k1) * k0 with
   per-page random keys (k0 odd).  NULL is stored as the bare mask, so a
   zeroed or overwritten word decodes to a random address, never to "end of
   list", and the same value stored in two blocks looks unrelated.
------------------------------------------------------------------------ */
static inline uintptr_t mi_keys_mask(uintptr_t k0, uintptr_t k1, const void* a) {
  return ((uintptr_t)a ^ k1) * k0;
}
static inline uintptr_t mi_page_mask(const mi_page_t* page, const void* a) {
  return mi_keys_mask(page->keys[0], page->keys[1], a);
}

static inline mi_block_t* mi_block_nextx(const mi_page_t* page, const mi_block_t* b) {
  mi_track_open_link(b);
  const uintptr_t raw = b->next;
  mi_track_close_link(b);
#if MI_ENCODE_FREELIST
  return (mi_block_t*)(raw ^ mi_page_mask(page, b));
#else
  (void)page;
  return (mi_block_t*)raw;
#endif
}
static inline void mi_block_set_nextx(const mi_page_t* page, mi_block_t* b, const mi_block_t* next) {
  mi_track_open_link_w(b);
#if MI_ENCODE_FREELIST
  b->next = (uintptr_t)next ^ mi_page_mask(page, b);
#else
  (void)page;
  b->next = (uintptr_t)next;
#endif
  mi_track_close_link(b);
}

/* Is `b` a possible block address of the page (inside its block area)? */
static inline bool mi_page_contains(const mi_page_t* page, const void* b) {
  return (const uint8_t*)b >= page->page_start && (const uint8_t*)b < page->page_start + (size_t)page->reserved * page->block_size;
}

/* Index of the block starting exactly at `p` in a small, medium or large
   page; a value >= page->capacity when `p` is not the start of a block
   handed out so far.  No division: the offset times the inverse of the
   odd part of the block size, rotated by the size's power of two, is the
   index for exact multiples and at least 2^32 / block_size otherwise. */
static inline uint32_t mi_page_block_index(const mi_page_t* page, const void* p) {
  const uint32_t x = (uint32_t)((uintptr_t)p - (uintptr_t)page->page_start) * page->block_inv;
  const unsigned s = (unsigned)__builtin_ctz((uint32_t)page->block_size);   /* 4..31: sizes are multiples of 16 below 2^32 */
  return (x >> s) | (x << (32 - s));
}

/* Canary (padded builds: secure, debug): the last word of every block
   holds mask(b) + k1 for the block's start b, so the secure free path
   checks it with the mask it computes for the link anyway.  The canary
   of another block start is another value (the mask is a bijection), so
   the canary test of a pointer that is not a block start reads something
   else than its canary and fails (but for odds of 2^-64 against data
   that does not know the page's keys); reading a canary does not give
   the block's link mask without k1.  It is written when the block is
   threaded into its page (or first allocated) and checked on free; an
   overflow cannot forge it without the page's keys. */
static inline uintptr_t* mi_block_pad(const mi_page_t* page, const void* b) {
  return (uintptr_t*)((uint8_t*)b + page->block_size - MI_PADDING_SIZE);
}
static inline uintptr_t mi_mask_canary(uintptr_t k1, uintptr_t mask) {
  return mask + k1;
}
/* Is the canary of `b` in place, with `mask` = mi_page_mask(page, b)? */
static inline bool mi_block_canary_is(const mi_page_t* page, const void* b, uintptr_t mask) {
  return *mi_block_pad(page, b) == mi_mask_canary(page->keys[1], mask);
}
static inline bool mi_block_canary_ok(const mi_page_t* page, const void* b) {
  return mi_block_canary_is(page, b, mi_page_mask(page, b));
}
static inline void mi_block_set_canary(const mi_page_t* page, const void* b) {
  *mi_block_pad(page, b) = mi_mask_canary(page->keys[1], mi_page_mask(page, b));
}

/* The inline checks of the secure free fast paths (owner and remote), with
   `mask` = mi_page_mask(page, b): `b` is not past the page's last block,
   its canary is in place (which only a block start's is), and its first
   word does not decode to a block of the page or to NULL (a free block's
   does; a live block's decodes to a random address).  False sends the free
   to the checked path, which reports or does the full check.  No lower
   bound is needed: the page lookup maps no pointer below page_start to a
   small or medium page, and in a large or huge page (whose page_start may
   lie past its first slice's start) the canary of a pointer below
   page_start is read inside the block -- never outside the page. */
static inline bool mi_block_free_quick_ok(const mi_page_t* page, const mi_block_t* b, uintptr_t mask) {
  const uintptr_t end = (uintptr_t)page->page_start + page->last;
  return (uintptr_t)b <= end && mi_block_canary_is(page, b, mask) && (b->next ^ mask) > end;
}

/* Write-after-free detection (secure builds, MI_SECURE_WAF): a block of a
   small or medium page is zero from its second word up to 8 + 16 * MI_WAF_PAIRS bytes
   (or its canary) while it is free -- frees zero it, fresh blocks are zero
   (page_extend zeroes them when their memory may not be) -- and its canary
   word holds its canary (or, for a fresh block whose canary is written when
   it is first handed out, zero).  Handing the block out again checks both;
   so does freeing its page.  Zero, not a keyed pattern: writing zero into a
   zeroed block changes nothing, so every write that matters is seen, and a
   read after free learns nothing about the keys. */
#if MI_SECURE_WAF
_Static_assert(MI_WAF_PAIRS >= 0 && MI_WAF_PAIRS <= 8, "MI_WAF_PAIR_CASES has 8 cases");
/* Pairs of words kept zero after the link word: (block_size - 16) / 16 up
   to MI_WAF_PAIRS (block sizes are multiples of 16, so the zeroed bytes
   [8, 8 + 16 * pairs) end at or before the canary). */
static inline size_t mi_waf_pairs(const mi_page_t* page) {
  const size_t k = (page->block_size >> 4) - 1;
  return (k < MI_WAF_PAIRS ? k : MI_WAF_PAIRS);
}
/* Straight-line stores and loads (a switch, not a loop the compiler would
   turn into `rep stos` or a memset call: tens of cycles for 100 bytes). */
#define MI_WAF_PAIR_CASES(op) \
  switch (mi_waf_pairs(page)) { \
    case 8: op(15); /* fall through */ \
    case 7: op(13); /* fall through */ \
    case 6: op(11); /* fall through */ \
    case 5: op(9);  /* fall through */ \
    case 4: op(7);  /* fall through */ \
    case 3: op(5);  /* fall through */ \
    case 2: op(3);  /* fall through */ \
    case 1: op(1);  /* fall through */ \
    default: break; \
  }
static mi_fast_inline void mi_block_waf_fill(const mi_page_t* page, mi_block_t* b) {
  uintptr_t* w = (uintptr_t*)b;
#define MI_WAF_ZERO(i) (w[i] = 0, w[(i) + 1] = 0)
  MI_WAF_PAIR_CASES(MI_WAF_ZERO)
#undef MI_WAF_ZERO
}
/* Untouched since its free: zero words, and its canary (`mask` =
   mi_page_mask(page, b)) -- or zero for a fresh block of a size whose
   canary is written only when it is handed out. */
static mi_fast_inline bool mi_block_waf_ok(const mi_page_t* page, const mi_block_t* b, uintptr_t mask) {
  const uintptr_t* w = (const uintptr_t*)b;
  uintptr_t acc = 0;
#define MI_WAF_OR(i) (acc |= w[i] | w[(i) + 1])
  MI_WAF_PAIR_CASES(MI_WAF_OR)
#undef MI_WAF_OR
  const uintptr_t c = *mi_block_pad(page, b);
  if (mi_likely((acc | (c ^ mi_mask_canary(page->keys[1], mask))) == 0)) return true;
  return acc == 0 && c == 0 && page->block_size > MI_SMALL_SIZE_MAX_;
}
#endif

/* One step of xorshift128+ on a thread's state (random.c seeds it):
   inline, so a loop that draws keeps its registers. */
static inline uint64_t _mi_random_next(uint64_t rnd[2]) {
  uint64_t s1 = rnd[0];
  const uint64_t s0 = rnd[1];
  rnd[0] = s0;
  s1 ^= s1 << 23;
  rnd[1] = s1 ^ s0 ^ (s1 >> 18) ^ (s0 >> 5);
  return rnd[1] + s0;
}

/* ------------------------------------------------------------------------
   Thread-local default heap; the static empty heap and page
------------------------------------------------------------------------ */
extern mi_decl_tls mi_heap_t* _mi_heap_default mi_decl_hidden;
extern const mi_heap_t _mi_heap_empty mi_decl_hidden;
extern const mi_page_t _mi_page_empty mi_decl_hidden;

static inline mi_heap_t* mi_heap_get_default_inline(void) { return _mi_heap_default; }
static inline bool mi_heap_is_initialized(const mi_heap_t* heap) { return heap->tld != NULL; }

/* ------------------------------------------------------------------------
   Statistics helpers (plain per-thread counters; merged by stats.c)
------------------------------------------------------------------------ */
static inline void mi_stat_add(mi_stats_internal_t* st, mi_stat_t which, int64_t amount) {
  mi_stat_count_t* c = &st->count[which];
  if (amount > 0) c->total += amount;
  c->current += amount;
  if (c->current > c->peak) c->peak = c->current;
}
static inline void mi_counter_add(mi_stats_internal_t* st, mi_counter_t which, int64_t amount) {
  st->counter[which] += amount;
}

/* ========================================================================
   Prototypes, grouped by the file that defines them
======================================================================== */

/* "os.c" -- the only file that talks to the operating system */
void     _mi_os_init(void) mi_decl_hidden;                                  /* page size (and secure guard size) from sysconf; before any mapping */
size_t   _mi_os_page_size(void) mi_decl_hidden;                            /* the OS page size */
void*    _mi_os_alloc_aligned(size_t size, size_t alignment, bool* is_zero) mi_decl_hidden;   /* RW, aligned; NULL+errno on failure */
void     _mi_os_free(void* p, size_t size) mi_decl_hidden;                 /* unmap */
void*    _mi_os_alloc_huge_pages(size_t size) mi_decl_hidden;              /* 1 GiB pages; NULL if the system has none */
bool     _mi_os_purge(void* p, size_t size, bool decommit) mi_decl_hidden; /* drop the memory: DONTNEED (decommit) or FREE */
bool     _mi_os_purge_protect(void* p, size_t size) mi_decl_hidden;        /* decommit + PROT_NONE of our own anonymous memory */
bool     _mi_os_protect(void* p, size_t size) mi_decl_hidden;              /* PROT_NONE */
bool     _mi_os_unprotect(void* p, size_t size) mi_decl_hidden;            /* PROT_READ|PROT_WRITE */
bool     _mi_os_remap(void* p, size_t oldsize, size_t newsize) mi_decl_hidden; /* grow/shrink a mapping in place */
void     _mi_os_hugepage_advise(void* p, size_t size, bool enable) mi_decl_hidden;
void     _mi_os_thp_disable(bool disable) mi_decl_hidden;
bool     _mi_os_random_buf(void* buf, size_t len) mi_decl_hidden;          /* getrandom; false if unavailable */
uint64_t _mi_os_clock_ms(void) mi_decl_hidden;                             /* coarse monotonic ms */
uint64_t _mi_os_clock_now_ms(void) mi_decl_hidden;                         /* precise monotonic ms */
bool     _mi_os_getenv(const char* name, char* buf, size_t buflen) mi_decl_hidden; /* case-insensitive environ scan */
void     _mi_os_write_stderr(const char* msg, size_t len) mi_decl_hidden;
void     _mi_os_stderr_keep(void) mi_decl_hidden;                          /* write to a duplicate of fd 2 from now on */
void     _mi_os_process_info(size_t* elapsed, size_t* utime, size_t* stime, size_t* rss, size_t* peak_rss, size_t* faults) mi_decl_hidden;
size_t   _mi_os_current_rss(void) mi_decl_hidden;
void     _mi_os_abort(void) mi_decl_hidden __attribute__((noreturn));
void     _mi_os_yield(void) mi_decl_hidden;
bool     _mi_os_is_single_threaded(void) mi_decl_hidden;
bool     _mi_os_realpath(const char* fname, char* buf, size_t buflen) mi_decl_hidden;
int      _mi_os_numa_node_count(void) mi_decl_hidden;
bool     _mi_os_has_huge_pages(void) mi_decl_hidden;

/* "options.c" -- options, output and error hooks, messages */
void     _mi_options_init(void) mi_decl_hidden;                            /* read every option from the environment */
long     _mi_option_get_fast(mi_option_t option) mi_decl_hidden;           /* no lazy init (after process init) */
extern bool _mi_zero_freed mi_decl_hidden;                                /* mi_option_zero_freed is set */
extern uintptr_t _mi_owner_inline_flags mi_decl_hidden;                    /* secure: xowner flags of a page its owner frees into inline */
void     _mi_fputs(mi_output_fun* out, void* arg, const char* prefix, const char* msg) mi_decl_hidden;
void     _mi_fprintf(mi_output_fun* out, void* arg, const char* fmt, ...) mi_decl_hidden __attribute__((format(printf, 3, 4)));
void     _mi_message(const char* fmt, ...) mi_decl_hidden __attribute__((format(printf, 1, 2)));       /* always printed */
void     _mi_verbose_message(const char* fmt, ...) mi_decl_hidden __attribute__((format(printf, 1, 2)));
void     _mi_warning_message(const char* fmt, ...) mi_decl_hidden __attribute__((format(printf, 1, 2)));
void     _mi_error_message(int err, const char* fmt, ...) mi_decl_hidden __attribute__((format(printf, 2, 3)));  /* + error hook / abort policy */
void     _mi_error_notify(int err) mi_decl_hidden;                         /* call the error hook only (no message) */

/* "stats.c" -- statistics */
void     _mi_stats_merge_thread(mi_stats_internal_t* st) mi_decl_hidden;   /* add into the process totals and clear */
void     _mi_stats_set_thread(mi_stats_internal_t* st) mi_decl_hidden;     /* the calling thread's counters (NULL: none) */
void     _mi_stats_process_add(mi_stat_t which, int64_t amount) mi_decl_hidden;  /* atomic, for threadless paths */
void     _mi_stats_process_counter(mi_counter_t which, int64_t amount) mi_decl_hidden;
void     _mi_stats_committed_add(int64_t amount) mi_decl_hidden;  /* the process-wide committed gauge (atomic) */
void     _mi_stats_print_exit(void) mi_decl_hidden;
void     _mi_stats_reinit_child(void) mi_decl_hidden;
void     _mi_stats_snapshot(mi_stats_internal_t* out) mi_decl_hidden;     /* process totals, the calling thread merged */
void     _mi_stats_to_public(const mi_stats_internal_t* in, const mi_live_t* live, mi_stats_t* out) mi_decl_hidden;
size_t   _mi_stats_json(const mi_stats_t* st, char* buf, size_t size) mi_decl_hidden; /* bytes needed (excl. NUL) */

/* "random.c" -- pseudo-random numbers */
void     _mi_random_init(uint64_t rnd[2]) mi_decl_hidden;                  /* seed from the OS */
uintptr_t _mi_random_cookie(void) mi_decl_hidden;                          /* a process-wide random word */

/* "meta.c" -- allocator-internal metadata (thread data, heap structs) */
void*    _mi_meta_zalloc(size_t size) mi_decl_hidden;                      /* zeroed, 64-byte aligned; NULL on OOM */
void     _mi_meta_free(void* p, size_t size) mi_decl_hidden;
void     _mi_meta_lock_prefork(bool lock) mi_decl_hidden;
void     _mi_meta_reinit_child(void) mi_decl_hidden;

/* "arena.c" -- memory reserved up front or supplied by the program */
void*    _mi_arena_alloc_segment(size_t size, int arena_id, bool exclusive_only, int* out_arena_id, bool* is_zero) mi_decl_hidden;
bool     _mi_arena_free_segment(void* p, size_t size, int arena_id) mi_decl_hidden; /* false: not arena memory */
bool     _mi_arena_is_exclusive(int arena_id) mi_decl_hidden;
void     _mi_arenas_lock_prefork(bool lock) mi_decl_hidden;
void     _mi_arenas_reinit_child(void) mi_decl_hidden;

/* "purge.c" -- the purge policy: deadlines, the unused-memory budget, the adaptive delay */
#define MI_PURGE_PASS_MAX   (256 * MI_KiB) /* bytes one non-forced purge pass may give back (madvise of 256 KiB: ~30 us) */
typedef struct mi_purge_pass_s {
  uint64_t now;
  size_t   left;       /* bytes this pass may still purge */
  size_t   over;       /* unused bytes above the budget */
  uint64_t extra;      /* ms a due slice within the budget waits longer */
  bool     force;
} mi_purge_pass_t;
uint64_t _mi_purge_deadline(uint64_t now, bool large) mi_decl_hidden;        /* deadline of a slice freed now (UINT64_MAX: never) */
void     _mi_purge_span_freed(size_t bytes, bool resident) mi_decl_hidden;   /* slices left a page */
void     _mi_purge_span_claimed(size_t bytes, size_t resident) mi_decl_hidden; /* slices became a page, `resident` of them dirty */
void     _mi_purge_unused_add(intptr_t bytes) mi_decl_hidden;               /* resident free memory appeared (+) or left (-) */
void     _mi_purge_refault(uint64_t purged_at, uint64_t now) mi_decl_hidden; /* memory purged at `purged_at` is used again: counts a wasted purge if soon */
void     _mi_purge_pass_begin(mi_purge_pass_t* pass, uint64_t now, bool force, bool bounded) mi_decl_hidden;
uint64_t _mi_purge_when(const mi_purge_pass_t* pass, uint64_t due) mi_decl_hidden; /* 0: purge now; else when to look again */
void     _mi_purge_pass_took(mi_purge_pass_t* pass, size_t bytes, bool released) mi_decl_hidden;
size_t   _mi_purge_unused(void) mi_decl_hidden;     /* resident free bytes in segments, process-wide */
size_t   _mi_purge_budget(void) mi_decl_hidden;     /* unused bytes that may wait past their deadline */
size_t   _mi_purge_mult(void) mi_decl_hidden;       /* current delay multiplier */
size_t   _mi_purge_wasted(void) mi_decl_hidden;     /* purges faulted back in soon after, so far */

/* "segment.c" -- segments, slices, purging, abandonment */
typedef enum mi_span_mode_e {
  MI_SPAN_RESIDENT,   /* resident free slices of the thread's segments */
  MI_SPAN_CACHED,     /* a cached empty segment with resident memory */
  MI_SPAN_ANY,        /* any free slices of the thread's segments */
  MI_SPAN_NEW         /* a new segment (from the cache or the OS) */
} mi_span_mode_t;
mi_page_t* _mi_segment_page_alloc(mi_tld_t* tld, size_t slices, size_t align_slices, int arena_id, mi_span_mode_t mode, bool* is_zero) mi_decl_hidden;
bool     _mi_segment_has_resident_span(const mi_segment_t* seg, size_t slices, size_t align_slices) mi_decl_hidden; /* a free, wholly resident span of that shape? */
mi_page_t* _mi_segment_huge_page_alloc(mi_tld_t* tld, size_t size, size_t alignment, int arena_id, bool* is_zero) mi_decl_hidden;
void     _mi_segment_page_free(mi_tld_t* tld, mi_page_t* page) mi_decl_hidden; /* slices back to the segment */
void     _mi_segment_page_release_unowned(mi_page_t* page) mi_decl_hidden;  /* same, for a segment without owner */
void     _mi_segment_tld_push(mi_tld_t* tld, mi_segment_t* seg) mi_decl_hidden;    /* the thread owns it now */
void     _mi_segment_tld_remove(mi_tld_t* tld, mi_segment_t* seg) mi_decl_hidden;  /* off the thread's list */
void     _mi_segment_release_empty(mi_segment_t* seg) mi_decl_hidden;              /* an unowned empty segment: cache or OS */
void     _mi_segment_due_note(mi_atomic_t* due_at, uint64_t expire) mi_decl_hidden; /* lower a list's earliest deadline */
void     _mi_segment_list_purge(pthread_mutex_t* lock, mi_segment_t* const* list, mi_atomic_t* due_at, mi_purge_pass_t* pass) mi_decl_hidden; /* purge a list of unowned segments (trylock) */
void     _mi_segments_purge_cached(mi_purge_pass_t* pass) mi_decl_hidden;          /* the cache of empty segments */
void     _mi_segments_purge_owned(mi_tld_t* tld, mi_purge_pass_t* pass) mi_decl_hidden; /* the thread's segments, when due */
/* "abandon.c" -- segments without an owner; the purge pass over all segments */
void     _mi_segments_purge(mi_tld_t* tld, bool force, bool bounded) mi_decl_hidden; /* purge what purge.c says is due (`bounded`: one pass's limit) */
void     _mi_abandoned_lock_prefork(bool lock) mi_decl_hidden;
void     _mi_abandoned_reinit_child(void) mi_decl_hidden;
void     _mi_segment_abandon(mi_tld_t* tld, mi_segment_t* seg) mi_decl_hidden;
/* What a reclaiming thread looks for: a page of `bin` with room (bin > 0), else
   a resident free span of `slices` aligned to `align` slices (slices > 0). */
typedef struct mi_reclaim_want_s { size_t bin; size_t slices; size_t align; } mi_reclaim_want_t;
mi_segment_t* _mi_segment_reclaim_take(mi_tld_t* tld, const mi_reclaim_want_t* want) mi_decl_hidden; /* an abandoned segment fitting want (NULL: any) into tld */
bool     _mi_segment_take_abandoned(mi_segment_t* seg, mi_tld_t* tld) mi_decl_hidden; /* take this one if still abandoned */
void     _mi_segment_release_abandoned(mi_segment_t* seg) mi_decl_hidden;  /* push back after a threadless inspection */
void     _mi_segment_free_if_empty(mi_segment_t* seg, mi_tld_t* tld) mi_decl_hidden;
size_t   _mi_segment_abandoned_count(void) mi_decl_hidden;
#define MI_SUBPROC_ANY ((void*)1)
void     _mi_segment_abandoned_reassign(void* from, void* to) mi_decl_hidden;   /* sub-process deleted */
void     _mi_segment_abandoned_visit(void* subproc, bool (*fun)(mi_segment_t* seg, void* arg), void* arg) mi_decl_hidden;
mi_page_t* _mi_segment_page_of_checked(const void* p) mi_decl_hidden;      /* NULL unless p is inside a live page */
void     _mi_segments_lock_prefork(bool lock) mi_decl_hidden;
void     _mi_segments_reinit_child(void) mi_decl_hidden;
void     _mi_segment_cache_collect(bool force) mi_decl_hidden;
void     _mi_segment_huge_purge_block(mi_page_t* page) mi_decl_hidden;     /* remote free of a huge block: give the memory back */
bool     _mi_segments_check(const mi_tld_t* tld) mi_decl_hidden;           /* consistency of the thread's segments (reports) */
bool     _mi_segment_huge_resize(mi_page_t* page, size_t newsize) mi_decl_hidden;

/* "page.c" -- pages, free lists, page queues */
void*    _mi_page_malloc(mi_heap_t* heap, mi_page_t* page, size_t size, bool zero) mi_decl_hidden; /* page->free != NULL */
mi_page_t* _mi_heap_find_page(mi_heap_t* heap, size_t size, size_t alignment) mi_decl_hidden;
void     _mi_page_retire(mi_page_t* page) mi_decl_hidden;                 /* last block freed by the owner */
void     _mi_page_unfull(mi_page_t* page) mi_decl_hidden;                 /* owner freed into a full page */
void     _mi_page_free(mi_page_t* page, bool force) mi_decl_hidden;       /* back to the segment */
void     _mi_page_collect(mi_page_t* page) mi_decl_hidden;                /* gather remote and local frees */
bool     _mi_page_disarm(mi_page_t* page) mi_decl_hidden;                 /* stop notifications; false if on the notify stack */
void     _mi_tld_process_notify(mi_tld_t* tld) mi_decl_hidden;           /* handle pages remote frees made available */
void     _mi_heap_queues_init(mi_heap_t* heap) mi_decl_hidden;
void     _mi_heap_collect_pages(mi_heap_t* heap, bool force) mi_decl_hidden;  /* free empty pages of a heap */
void     _mi_heap_collect_retired(mi_heap_t* heap, bool force) mi_decl_hidden;
void     _mi_heap_pages_abandon(mi_heap_t* heap) mi_decl_hidden;          /* thread exit: give up every page */
void     _mi_heap_pages_move(mi_heap_t* from, mi_heap_t* to) mi_decl_hidden;
void     _mi_heap_pages_destroy(mi_heap_t* heap) mi_decl_hidden;
void     _mi_page_adopt_segment(mi_heap_t* heap, mi_segment_t* seg) mi_decl_hidden;   /* reclaimed segment's pages join heap */
bool     _mi_heap_reclaim(mi_heap_t* heap, const mi_reclaim_want_t* want) mi_decl_hidden; /* adopt an abandoned segment fitting want (NULL: any) into the thread's backing heap; false if none */
bool     _mi_page_reclaim_for_free(mi_segment_t* seg) mi_decl_hidden;     /* a remote freer tidies an abandoned segment */
size_t   _mi_page_block_usable(const mi_page_t* page) mi_decl_hidden;     /* usable bytes of a block */
void     _mi_heap_live_count(mi_heap_t* heap, mi_live_t* live) mi_decl_hidden;       /* owner thread only */
void     _mi_segment_live_count(mi_segment_t* seg, mi_live_t* live) mi_decl_hidden;  /* abandoned segment, under the lock */
size_t   _mi_page_list_count(const mi_page_t* page, const mi_block_t* b) mi_decl_hidden; /* blocks of a list (bounded by capacity) */
void     _mi_live_add(mi_live_t* live, const mi_page_t* page, size_t n) mi_decl_hidden;  /* n live blocks of page */
bool     _mi_page_check(const mi_page_t* page, const mi_heap_t* heap, const char* op) mi_decl_hidden;   /* consistency of one page (reports as op) */
bool     _mi_heap_check_pages(const mi_heap_t* heap) mi_decl_hidden;                      /* every page and queue of a heap */

/* "init.c" -- process and thread lifecycle, deferred free (heartbeat) */
mi_heap_t* _mi_thread_heap_init(void) mi_decl_hidden;                     /* initialise the calling thread; its default heap */
void     _mi_deferred_free(mi_heap_t* heap, bool force) mi_decl_hidden;   /* run the heartbeat callback */
bool     _mi_deferred_free_any(void) mi_decl_hidden;                       /* deferred.c: any callback added? */
void     _mi_deferred_free_run(bool force, unsigned long long heartbeat) mi_decl_hidden; /* deferred.c: run the added callbacks */
mi_tld_t* _mi_tld(void) mi_decl_hidden;                                   /* the calling thread's data (initialising it) */
void     _mi_heap_unlink(mi_heap_t* heap) mi_decl_hidden;                 /* remove from tld->heaps; reset default */
void     _mi_heap_link(mi_tld_t* tld, mi_heap_t* heap) mi_decl_hidden;

/* "heap.c" -- heaps */
void     _mi_heap_collect_ex(mi_heap_t* heap, bool force) mi_decl_hidden;

/* "alloc.c" -- allocation */
void*    _mi_malloc_generic(mi_heap_t* heap, size_t size, bool zero, size_t alignment) mi_decl_hidden;
void*    _mi_heap_malloc_zero(mi_heap_t* heap, size_t size, bool zero) mi_decl_hidden;
void*    _mi_heap_realloc_zero(mi_heap_t* heap, void* p, size_t newsize, bool zero) mi_decl_hidden;
void*    _mi_alloc_fail(size_t size) mi_decl_hidden;                      /* errno = ENOMEM, message, NULL */

/* "free.c" -- free */
void     _mi_free_generic(mi_page_t* page, void* p) mi_decl_hidden;
void     _mi_free_unmapped(void* p) mi_decl_hidden;                       /* free of a pointer outside normal segments */
size_t   _mi_usable_size_checked(const void* p, const char* op) mi_decl_hidden;
mi_page_t* _mi_checked_page_of(const void* p, const char* op) mi_decl_hidden; /* page of a live block start, or NULL + error */
void*    _mi_page_block_start(const mi_page_t* page, const void* p) mi_decl_hidden; /* unalign an interior pointer */

/* "secure.c" -- secure-mode checks: write after free, zero-size blocks, sized frees */
#if MI_SECURE_WAF
void     _mi_waf_report(const mi_page_t* page, const void* b, const char* op) mi_decl_hidden;  /* "write after free" */
void     _mi_waf_fresh(const mi_page_t* page, uint8_t* start, size_t n) mi_decl_hidden;       /* zero n fresh blocks' checked words */
void     _mi_waf_check_lists(const mi_page_t* page) mi_decl_hidden;                          /* check every block of free and local_free */
#endif
#if MI_SECURE_ZERO_REGION
void*    _mi_zero_alloc(mi_heap_t* heap) mi_decl_hidden;            /* a distinct inaccessible slot for malloc(0) from a backing heap */
bool     _mi_zero_is_slot(const void* p) mi_decl_hidden;            /* p lies in the zero-size region */
size_t   _mi_zero_live_count(void) mi_decl_hidden;                  /* live slots, process-wide (statistics) */
void     _mi_zero_free(void* p, const char* op) mi_decl_hidden;     /* free a slot (reports a bad or freed one) */
bool     _mi_zero_is_live(const void* p, const char* op) mi_decl_hidden; /* a live slot; reports otherwise */
bool     _mi_zero_is_live_quiet(const void* p) mi_decl_hidden;     /* p (in the region) is a live slot */
#endif
#if MI_SECURE_LARGE_PROTECT
mi_page_t* _mi_large_hold(mi_tld_t* tld, mi_page_t* page) mi_decl_hidden; /* protect an empty large page and hold it; the page held before (or NULL) to free */
#endif
#if MI_SECURE_SIZED_CHECK
void     _mi_free_size_check(const void* p, size_t size, size_t alignment, bool strict) mi_decl_hidden; /* report a size or alignment the block does not have (`strict`: not an aligned block) */
#endif

/* "aligned.c" -- aligned allocation */
void*    _mi_heap_malloc_aligned_at(mi_heap_t* heap, size_t size, size_t alignment, size_t offset, bool zero) mi_decl_hidden;
void*    _mi_heap_realloc_aligned_at(mi_heap_t* heap, void* p, size_t newsize, size_t alignment, size_t offset, bool zero) mi_decl_hidden;

/* ========================================================================
   Fast paths (inlined into alloc.c, free.c and override.c)
======================================================================== */

/* Requests served through the direct table (the padding of secure builds counts). */
#define MI_DIRECT_SIZE_MAX  (MI_SMALL_SIZE_MAX_ - MI_PADDING_SIZE)
static inline size_t mi_direct_index(size_t size) { return (size + MI_PADDING_SIZE + 15) >> 4; }

/* Pop a block from the heap's direct page for `size <= MI_DIRECT_SIZE_MAX`. */
static mi_fast_inline void* mi_heap_malloc_small_inline(mi_heap_t* heap, size_t size) {
#if MI_PADDING
  if (mi_unlikely(size > MI_DIRECT_SIZE_MAX)) return _mi_malloc_generic(heap, size, false, 0);
#endif
#if MI_SECURE_ZERO_REGION
  if (mi_unlikely(size == 0)) return _mi_zero_alloc(heap);
#endif
  mi_page_t* page = heap->pages_direct[mi_direct_index(size)];
  mi_block_t* b = page->free;
  if (mi_unlikely(b == NULL)) return _mi_malloc_generic(heap, size, false, 0);
#if MI_DEBUG > 1 || MI_TRACK_VALGRIND || MI_ASAN
  return _mi_page_malloc(heap, page, size, false);   /* checked builds: pop with checks in page.c */
#elif MI_SECURE > 0
  /* secure: the decoded link must be a block of the page (else page.c
     ends the list or reports the corruption); the first word is cleared.
     The canary was written when the block was threaded into the page and
     checked when it was last freed, so it is still in place; with
     MI_SECURE_WAF it and the block's zeroed words are checked (a write
     after free sends the pop to page.c, which reports it).  The next
     block's first word is prefetched: in a random order the hardware does
     not guess it, and the next malloc reads it first. */
  const uintptr_t mask = mi_page_mask(page, b);
  mi_block_t* next = (mi_block_t*)(b->next ^ mask);
  if (mi_unlikely((uintptr_t)next - (uintptr_t)page->page_start > page->last)) return _mi_page_malloc(heap, page, size, false);
#if MI_SECURE_WAF
  if (mi_unlikely(!mi_block_waf_ok(page, b, mask))) return _mi_page_malloc(heap, page, size, false);   /* reports */
#endif
  page->free = next;
  __builtin_prefetch(next);
  b->next = 0;
  return b;
#else
  page->free = mi_block_nextx(page, b);
  return b;
#endif
}

static mi_fast_inline void* mi_heap_malloc_inline(mi_heap_t* heap, size_t size) {
  if (mi_likely(size <= MI_DIRECT_SIZE_MAX)) return mi_heap_malloc_small_inline(heap, size);
#if !MI_PADDING && !MI_ENCODE_FREELIST && !(MI_DEBUG > 1) && !MI_TRACK_VALGRIND && !MI_ASAN
  /* 1-64 KiB: the bin's first page, when it has a free block */
  if (mi_likely(size <= MI_MEDIUM_OBJ_SIZE_MAX)) {
    mi_page_t* page = heap->pages[_mi_bin(size)].first;
    if (mi_likely(page != NULL)) {
      mi_block_t* b = page->free;
      if (mi_likely(b != NULL)) {
        page->free = mi_block_nextx(page, b);
        return b;
      }
    }
  }
#endif
  return _mi_malloc_generic(heap, size, false, 0);
}

/* Free: segment-map check (NULL and foreign pointers, those beyond the map
   included, leave), descriptor by
   mask and shift, then a push on the page's local list when the calling
   thread owns the page and no flag is set. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(MI_TID_THREAD_POINTER) && !defined(MI_NO_ASM) && \
    !MI_ENCODE_FREELIST && !(MI_DEBUG > 1 || MI_SECURE > 0 || MI_TRACK_VALGRIND || MI_ASAN || MI_TSAN)
#define MI_FREE_ASM 1   /* configure --disable-asm (MI_NO_ASM) builds the C twin below instead */
#endif

static inline mi_page_t* mi_free_page_of(const void* p) {
  const uintptr_t u = (uintptr_t)p;
  return (mi_page_t*)((u & ~(uintptr_t)MI_SEGMENT_MASK) +
                      ((u >> (MI_SLICE_SHIFT - MI_PAGE_DESC_SHIFT)) & ((uintptr_t)(MI_SLICE_COUNT - 1) << MI_PAGE_DESC_SHIFT)));
}

/* The free entry points (free, mi_free, operator delete, ...) are one body
   of assembly with a label per name: the fast path is 20 instructions, and
   the slow paths are entered by a tail jump with the page already in a
   register.  MI_FREE_ASM_ENTRY(name) declares one more name for it. */
#if defined(MI_FREE_ASM)
#define MI_FREE_ASM_ENTRY(name)  ".globl " #name "\n\t.type " #name ",@function\n" #name ":\n\t"
#define MI_FREE_ASM_BODY(entries, size_of) \
  __asm__(".text\n\t.p2align 4\n\t" entries \
    ".cfi_startproc\n\t" \
    "movq    %rdi, %rax\n\t" \
    "shrq    $25, %rax\n\t"                       /* chunk = p >> MI_SEGMENT_SHIFT */ \
    "cmpq    $0x800000, %rax\n\t"                 /* chunk >= MI_SEGMAP_ENTRIES: foreign */ \
    "jae     _mi_free_unmapped\n\t" \
    "leaq    _mi_segment_map(%rip), %rdx\n\t" \
    "cmpb    $1, (%rdx,%rax)\n\t"                 /* MI_SEGMAP_START? */ \
    "jne     _mi_free_unmapped\n\t" \
    "shlq    $25, %rax\n\t"                       /* segment base */ \
    "movq    %rdi, %rdx\n\t" \
    "shrq    $9, %rdx\n\t" \
    "andl    $0xff80, %edx\n\t"                   /* descriptor offset */ \
    "movq    %fs:0, %rcx\n\t" \
    "cmpq    %rcx, 16(%rax,%rdx)\n\t"             /* page->xowner == thread id (no flags)? */ \
    "jne     1f\n\t" \
    "movq    8(%rax,%rdx), %rcx\n\t"              /* b->next = page->local_free */ \
    "movq    %rcx, (%rdi)\n\t" \
    "movq    %rdi, 8(%rax,%rdx)\n\t"              /* page->local_free = b */ \
    "subl    $1, 24(%rax,%rdx)\n\t"               /* --page->used */ \
    "je      2f\n\t" \
    "ret\n" \
    "1:\n\t" \
    "movq    %rdi, %rsi\n\t" \
    "leaq    (%rax,%rdx), %rdi\n\t" \
    "jmp     _mi_free_generic\n" \
    "2:\n\t" \
    "leaq    (%rax,%rdx), %rdi\n\t" \
    "jmp     _mi_page_retire\n\t" \
    ".cfi_endproc\n\t" size_of)
#define MI_FREE_ASM_SIZE(name) ".size " #name ", .-" #name "\n\t"
#endif

static mi_fast_inline void mi_free_inline(void* p) {
#if defined(MI_FREE_ASM)
  /* callers inside the library: the same sequence as an inline asm goto */
  __asm__ goto(
    "movq    %0, %%rax\n\t"
    "shrq    $25, %%rax\n\t"
    "cmpq    $0x800000, %%rax\n\t"
    "jae     %l[unmapped]\n\t"
    "leaq    _mi_segment_map(%%rip), %%rdx\n\t"
    "cmpb    $1, (%%rdx,%%rax)\n\t"
    "jne     %l[unmapped]\n\t"
    "shlq    $25, %%rax\n\t"
    "movq    %0, %%rdx\n\t"
    "shrq    $9, %%rdx\n\t"
    "andl    $0xff80, %%edx\n\t"
    "movq    %%fs:0, %%rcx\n\t"
    "cmpq    %%rcx, 16(%%rax,%%rdx)\n\t"
    "jne     %l[generic]\n\t"
    "movq    8(%%rax,%%rdx), %%rcx\n\t"
    "movq    %%rcx, (%0)\n\t"
    "movq    %0, 8(%%rax,%%rdx)\n\t"
    "subl    $1, 24(%%rax,%%rdx)\n\t"
    "je      %l[retire]\n\t"
    : : "r"(p) : "rax", "rcx", "rdx", "cc", "memory" : unmapped, generic, retire);
  return;
unmapped:
  _mi_free_unmapped(p);
  return;
generic:
  _mi_free_generic(mi_free_page_of(p), p);
  return;
retire:
  _mi_page_retire(mi_free_page_of(p));
  return;
#else
  const uintptr_t u = (uintptr_t)p;
  const uintptr_t chunk = u >> MI_SEGMENT_SHIFT;
  if (mi_unlikely(chunk >= MI_SEGMAP_ENTRIES || _mi_segment_map[chunk] != MI_SEGMAP_START)) {
    _mi_free_unmapped(p);
    return;
  }
  mi_page_t* page = mi_free_page_of(p);
#if MI_DEBUG > 1 || MI_TRACK_VALGRIND || MI_ASAN
  _mi_free_generic(page, p);
#elif MI_SECURE > 0
  /* secure, the owner freeing into a page with no other flag (a large or
     huge page is in the full queue while its block is live; every page
     fails the compare while zero_freed is set) and passing the inline
     checks (mi_block_free_quick_ok); anything unusual takes the
     out-of-line checked path */
  mi_block_t* b = (mi_block_t*)p;
  if (mi_likely(mi_page_xowner(page) == (_mi_thread_id() | _mi_owner_inline_flags))) {
    const uintptr_t mask = mi_page_mask(page, b);
    if (mi_likely(mi_block_free_quick_ok(page, b, mask))) {
#if MI_SECURE_WAF
      mi_block_waf_fill(page, b);
#endif
      b->next = (uintptr_t)page->local_free ^ mask;
      page->local_free = b;
      if (mi_unlikely(--page->used == 0)) _mi_page_retire(page);
      return;
    }
  }
  _mi_free_generic(page, p);
#else
  if (mi_likely(mi_page_xowner(page) == _mi_thread_id())) {
    mi_block_t* b = (mi_block_t*)p;
    mi_block_set_nextx(page, b, page->local_free);
    page->local_free = b;
    if (mi_unlikely(--page->used == 0)) _mi_page_retire(page);
    return;
  }
  _mi_free_generic(page, p);
#endif
#endif
}

#if defined(MI_FREE_ASM)
_Static_assert(MI_SEGMENT_SHIFT == 25 && MI_SLICE_SHIFT - MI_PAGE_DESC_SHIFT == 9 && MI_SEGMAP_ENTRIES == 0x800000, "constants of the free fast path");
_Static_assert(__builtin_offsetof(mi_page_t, local_free) == 8 && __builtin_offsetof(mi_page_t, xowner) == 16 &&
               __builtin_offsetof(mi_page_t, used) == 24, "page layout used by the free fast path");
#endif

#endif /* MI_INTERNAL_H */
