/* SPDX-License-Identifier: MIT
 * mimalloc.h -- mirt's public allocator API, source-compatible with mimalloc v2.
 *
 * A program written for mimalloc 2.x compiles against this header and links
 * with -lmirt unchanged.  Differences from mimalloc are deliberate and listed
 * in README.md ("Compatibility"): every block is 16-byte aligned, and every
 * failure sets errno to ENOMEM (EINVAL for bad alignments).
 */
#ifndef MIMALLOC_H
#define MIMALLOC_H

/* The mimalloc API level implemented (major*10000 + minor*100 + patch). */
#define MI_MALLOC_VERSION 20401
/* mirt's own version. */
#define MIRT_VERSION_MAJOR 0
#define MIRT_VERSION_MINOR 1
#define MIRT_VERSION_PATCH 0

/* ---------------------------------------------------------------------
   Declaration decorations (same names as mimalloc's)
--------------------------------------------------------------------- */
#ifdef __cplusplus
#  if (__cplusplus >= 201103L)
#    define mi_attr_noexcept noexcept
#  else
#    define mi_attr_noexcept throw()
#  endif
#else
#  define mi_attr_noexcept
#endif

#if defined(__cplusplus) && (__cplusplus >= 201703L)
#  define mi_decl_nodiscard [[nodiscard]]
#elif defined(__GNUC__)
#  define mi_decl_nodiscard __attribute__((warn_unused_result))
#else
#  define mi_decl_nodiscard
#endif

#if defined(__GNUC__)
#  define mi_decl_export __attribute__((visibility("default")))
#  define mi_decl_restrict
#  define mi_cdecl
#  define mi_attr_malloc __attribute__((malloc))
#  if !defined(__clang__) || (__clang_major__ >= 4)
#    define mi_attr_alloc_size(s) __attribute__((alloc_size(s)))
#    define mi_attr_alloc_size2(s1, s2) __attribute__((alloc_size(s1, s2)))
#    define mi_attr_alloc_align(p) __attribute__((alloc_align(p)))
#  else
#    define mi_attr_alloc_size(s)
#    define mi_attr_alloc_size2(s1, s2)
#    define mi_attr_alloc_align(p)
#  endif
#else
#  define mi_decl_export
#  define mi_decl_restrict
#  define mi_cdecl
#  define mi_attr_malloc
#  define mi_attr_alloc_size(s)
#  define mi_attr_alloc_size2(s1, s2)
#  define mi_attr_alloc_align(p)
#endif

#include <stddef.h>  /* size_t */
#include <stdbool.h> /* bool */
#include <stdint.h>  /* INTPTR_MAX */

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------
   Standard malloc interface
--------------------------------------------------------------------- */
/* Allocate `size` bytes, 16-byte aligned; size 0 gives a unique minimal block; NULL+ENOMEM on failure. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_malloc(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* Allocate `count*size` zeroed bytes; NULL+ENOMEM on failure or overflow. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_calloc(size_t count, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(1, 2);
/* Resize `p` to `newsize`, keeping the prefix; NULL p acts as malloc; size 0 returns a minimal block; on failure NULL+ENOMEM and p is untouched. */
mi_decl_nodiscard mi_decl_export void* mi_realloc(void* p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(2);
/* Return `p` if its block already holds `newsize` bytes, else NULL (never moves or frees). */
mi_decl_export void* mi_expand(void* p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(2);
/* Free a block from any thread; NULL is ignored; errno is preserved. */
mi_decl_export void mi_free(void* p) mi_attr_noexcept;
/* Duplicate a NUL-terminated string; NULL for a NULL argument or on failure. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict char* mi_strdup(const char* s) mi_attr_noexcept mi_attr_malloc;
/* Duplicate at most `n` characters of `s`, always NUL-terminated. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict char* mi_strndup(const char* s, size_t n) mi_attr_noexcept mi_attr_malloc;
/* realpath(3) with the result allocated by mi_malloc when `resolved_name` is NULL (not malloc-attributed: it may return `resolved_name`). */
mi_decl_nodiscard mi_decl_export char* mi_realpath(const char* fname, char* resolved_name) mi_attr_noexcept;

/* ---------------------------------------------------------------------
   Extended functionality
--------------------------------------------------------------------- */
#define MI_SMALL_WSIZE_MAX (128)
#define MI_SMALL_SIZE_MAX (MI_SMALL_WSIZE_MAX * sizeof(void*))

/* Fast path for `size <= MI_SMALL_SIZE_MAX` (not checked). */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_malloc_small(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* Zeroed mi_malloc_small. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_zalloc_small(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* Allocate `size` zeroed bytes. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_zalloc(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* Allocate `count*size` bytes with overflow check (not zeroed). */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_mallocn(size_t count, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(1, 2);
/* Reallocate to `count*size` bytes with overflow check. */
mi_decl_nodiscard mi_decl_export void* mi_reallocn(void* p, size_t count, size_t size) mi_attr_noexcept mi_attr_alloc_size2(2, 3);
/* Like mi_realloc but frees `p` when the reallocation fails. */
mi_decl_nodiscard mi_decl_export void* mi_reallocf(void* p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(2);
/* Bytes usable in the block of `p` (0 for NULL). */
mi_decl_nodiscard mi_decl_export size_t mi_usable_size(const void* p) mi_attr_noexcept;
/* The usable size a request of `size` bytes would get. */
mi_decl_nodiscard mi_decl_export size_t mi_good_size(size_t size) mi_attr_noexcept;

/* Block-size-returning variants: `*block_size` (if not NULL) receives the usable size. */
/* mi_malloc that also reports the usable size. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_umalloc(size_t size, size_t* block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* mi_calloc that also reports the usable size. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_ucalloc(size_t count, size_t size, size_t* block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(1, 2);
/* mi_realloc reporting the usable sizes before and after. */
mi_decl_nodiscard mi_decl_export void* mi_urealloc(void* p, size_t newsize, size_t* block_size_pre, size_t* block_size_post) mi_attr_noexcept mi_attr_alloc_size(2);
/* mi_free reporting the usable size of the freed block. */
mi_decl_export void mi_ufree(void* p, size_t* block_size) mi_attr_noexcept;
/* mi_malloc_aligned that also reports the usable size. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_umalloc_aligned(size_t size, size_t alignment, size_t* block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
/* mi_zalloc_aligned that also reports the usable size. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_uzalloc_aligned(size_t size, size_t alignment, size_t* block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
/* mi_malloc_small that also reports the usable size. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_umalloc_small(size_t size, size_t* block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* mi_zalloc_small that also reports the usable size. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_uzalloc_small(size_t size, size_t* block_size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* Same as mi_free (v3 compatibility). */
mi_decl_export void mi_free_small(void* p) mi_attr_noexcept;

/* ---------------------------------------------------------------------
   Hooks, collection, statistics, lifecycle
--------------------------------------------------------------------- */
typedef void (mi_cdecl mi_deferred_free_fun)(bool force, unsigned long long heartbeat, void* arg);
/* Register the one process-wide deferred-free callback (NULL unregisters); it runs on the allocating thread every `heartbeat_period` allocation slow paths and on every collect. */
mi_decl_export void mi_register_deferred_free(mi_deferred_free_fun* deferred_free, void* arg) mi_attr_noexcept;
/* mirt extension: add one more deferred-free callback beside the registered one (up to 16 in all); returns its handle, 0 when full or `fn` is NULL. */
mi_decl_export size_t mi_deferred_free_add(mi_deferred_free_fun* fn, void* arg) mi_attr_noexcept;
/* mirt extension: remove a callback added by mi_deferred_free_add (not started again afterwards); false for an unknown handle. */
mi_decl_export bool mi_deferred_free_remove(size_t handle) mi_attr_noexcept;

typedef void (mi_cdecl mi_output_fun)(const char* msg, void* arg);
/* Route messages (statistics, warnings, errors) to `out`; NULL restores stderr. */
mi_decl_export void mi_register_output(mi_output_fun* out, void* arg) mi_attr_noexcept;

typedef void (mi_cdecl mi_error_fun)(int err, void* arg);
/* Call `fun` with an errno code (EAGAIN, EFAULT, EINVAL, ENOMEM, EOVERFLOW) after each reported error; it replaces the default (abort on corruption). */
mi_decl_export void mi_register_error(mi_error_fun* fun, void* arg);

/* Collect the default heap: free empty pages, run the deferred-free callback; `force` also purges freed memory to the OS now. */
mi_decl_export void mi_collect(bool force) mi_attr_noexcept;
/* The implemented API level, MI_MALLOC_VERSION. */
mi_decl_export int mi_version(void) mi_attr_noexcept;
/* Reset the statistics of the process and the calling thread. */
mi_decl_export void mi_stats_reset(void) mi_attr_noexcept;
/* Merge the calling thread's statistics into the process totals. */
mi_decl_export void mi_stats_merge(void) mi_attr_noexcept;
/* Print the process statistics to the output hook (`out` is ignored). */
mi_decl_export void mi_stats_print(void* out) mi_attr_noexcept;
/* Print the process statistics through `out`. */
mi_decl_export void mi_stats_print_out(mi_output_fun* out, void* arg) mi_attr_noexcept;
/* Print the calling thread's statistics through `out`. */
mi_decl_export void mi_thread_stats_print_out(mi_output_fun* out, void* arg) mi_attr_noexcept;
/* Print every option and its value to the output hook. */
mi_decl_export void mi_options_print(void) mi_attr_noexcept;

/* Initialise the allocator (done automatically at load). */
mi_decl_export void mi_process_init(void) mi_attr_noexcept;
/* Initialise the calling thread (done lazily at its first allocation). */
mi_decl_export void mi_thread_init(void) mi_attr_noexcept;
/* Finish the calling thread: its heaps are released and live blocks abandoned to other threads; safe to call twice. */
mi_decl_export void mi_thread_done(void) mi_attr_noexcept;
/* Finish the process (done automatically at exit): prints statistics if enabled. */
mi_decl_export void mi_process_done(void) mi_attr_noexcept;
/* Process times, RSS, commit and page faults; any pointer may be NULL. */
mi_decl_export void mi_process_info(size_t* elapsed_msecs, size_t* user_msecs, size_t* system_msecs,
                                    size_t* current_rss, size_t* peak_rss,
                                    size_t* current_commit, size_t* peak_commit, size_t* page_faults) mi_attr_noexcept;

/* ---------------------------------------------------------------------
   Aligned allocation (alignment after the size, unlike posix)
--------------------------------------------------------------------- */
/* Allocate `size` bytes aligned to `alignment` (a power of two, up to at least 2^27); NULL+EINVAL otherwise. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_malloc_aligned(size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
/* Allocate so that `p + offset` is aligned to `alignment`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_malloc_aligned_at(size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* Zeroed mi_malloc_aligned. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_zalloc_aligned(size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
/* Zeroed mi_malloc_aligned_at. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_zalloc_aligned_at(size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* Zeroed, aligned, overflow-checked `count*size`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_calloc_aligned(size_t count, size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(1, 2) mi_attr_alloc_align(3);
/* mi_calloc_aligned with an offset. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_calloc_aligned_at(size_t count, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(1, 2);
/* Reallocate keeping `alignment`. */
mi_decl_nodiscard mi_decl_export void* mi_realloc_aligned(void* p, size_t newsize, size_t alignment) mi_attr_noexcept mi_attr_alloc_size(2) mi_attr_alloc_align(3);
/* Reallocate keeping `p + offset` aligned. */
mi_decl_nodiscard mi_decl_export void* mi_realloc_aligned_at(void* p, size_t newsize, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size(2);

/* ---------------------------------------------------------------------
   First-class heaps: allocate on the creating thread, free from any thread
--------------------------------------------------------------------- */
struct mi_heap_s;
typedef struct mi_heap_s mi_heap_t;

/* Create a heap on the calling thread (destroyable; never reclaims abandoned memory). */
mi_decl_nodiscard mi_decl_export mi_heap_t* mi_heap_new(void);
/* Delete a heap; its live blocks stay valid and move to the thread's backing heap. */
mi_decl_export void mi_heap_delete(mi_heap_t* heap);
/* Free every block of the heap at once (O(pages)) and delete it. */
mi_decl_export void mi_heap_destroy(mi_heap_t* heap);
/* Make `heap` the calling thread's default (used by mi_malloc); returns the previous default. */
mi_decl_export mi_heap_t* mi_heap_set_default(mi_heap_t* heap);
/* The calling thread's default heap (initialises the thread). */
mi_decl_export mi_heap_t* mi_heap_get_default(void);
/* The calling thread's backing heap, which is never deleted. */
mi_decl_export mi_heap_t* mi_heap_get_backing(void);
/* Collect a heap (see mi_collect). */
mi_decl_export void mi_heap_collect(mi_heap_t* heap, bool force) mi_attr_noexcept;

/* mi_malloc from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_malloc(mi_heap_t* heap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
/* mi_zalloc from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_zalloc(mi_heap_t* heap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
/* mi_calloc from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_calloc(mi_heap_t* heap, size_t count, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(2, 3);
/* mi_mallocn from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_mallocn(mi_heap_t* heap, size_t count, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(2, 3);
/* mi_malloc_small from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_malloc_small(mi_heap_t* heap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
/* mi_zalloc_small from `heap`: a zeroed block of at most MI_SMALL_SIZE_MAX bytes. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_zalloc_small(mi_heap_t* heap, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);

/* mi_realloc into `heap`. */
mi_decl_nodiscard mi_decl_export void* mi_heap_realloc(mi_heap_t* heap, void* p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(3);
/* mi_reallocn into `heap`. */
mi_decl_nodiscard mi_decl_export void* mi_heap_reallocn(mi_heap_t* heap, void* p, size_t count, size_t size) mi_attr_noexcept mi_attr_alloc_size2(3, 4);
/* mi_reallocf into `heap`. */
mi_decl_nodiscard mi_decl_export void* mi_heap_reallocf(mi_heap_t* heap, void* p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(3);

/* mi_strdup into `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict char* mi_heap_strdup(mi_heap_t* heap, const char* s) mi_attr_noexcept mi_attr_malloc;
/* mi_strndup into `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict char* mi_heap_strndup(mi_heap_t* heap, const char* s, size_t n) mi_attr_noexcept mi_attr_malloc;
/* mi_realpath into `heap`. */
mi_decl_nodiscard mi_decl_export char* mi_heap_realpath(mi_heap_t* heap, const char* fname, char* resolved_name) mi_attr_noexcept;

/* mi_malloc_aligned from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_malloc_aligned(mi_heap_t* heap, size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2) mi_attr_alloc_align(3);
/* mi_malloc_aligned_at from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_malloc_aligned_at(mi_heap_t* heap, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
/* mi_zalloc_aligned from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_zalloc_aligned(mi_heap_t* heap, size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2) mi_attr_alloc_align(3);
/* mi_zalloc_aligned_at from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_zalloc_aligned_at(mi_heap_t* heap, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2);
/* mi_calloc_aligned from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_calloc_aligned(mi_heap_t* heap, size_t count, size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(2, 3) mi_attr_alloc_align(4);
/* mi_calloc_aligned_at from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_calloc_aligned_at(mi_heap_t* heap, size_t count, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size2(2, 3);
/* mi_realloc_aligned into `heap`. */
mi_decl_nodiscard mi_decl_export void* mi_heap_realloc_aligned(mi_heap_t* heap, void* p, size_t newsize, size_t alignment) mi_attr_noexcept mi_attr_alloc_size(3) mi_attr_alloc_align(4);
/* mi_realloc_aligned_at into `heap`. */
mi_decl_nodiscard mi_decl_export void* mi_heap_realloc_aligned_at(mi_heap_t* heap, void* p, size_t newsize, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size(3);

/* ---------------------------------------------------------------------
   Zero-preserving reallocation (only for blocks allocated zeroed)
--------------------------------------------------------------------- */
/* Reallocate a zero-initialised block; bytes beyond the old size are zero. */
mi_decl_nodiscard mi_decl_export void* mi_rezalloc(void* p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(2);
/* mi_rezalloc to `newcount*size` with overflow check. */
mi_decl_nodiscard mi_decl_export void* mi_recalloc(void* p, size_t newcount, size_t size) mi_attr_noexcept mi_attr_alloc_size2(2, 3);
/* Aligned mi_rezalloc. */
mi_decl_nodiscard mi_decl_export void* mi_rezalloc_aligned(void* p, size_t newsize, size_t alignment) mi_attr_noexcept mi_attr_alloc_size(2) mi_attr_alloc_align(3);
/* Aligned-at-offset mi_rezalloc. */
mi_decl_nodiscard mi_decl_export void* mi_rezalloc_aligned_at(void* p, size_t newsize, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size(2);
/* Aligned mi_recalloc. */
mi_decl_nodiscard mi_decl_export void* mi_recalloc_aligned(void* p, size_t newcount, size_t size, size_t alignment) mi_attr_noexcept mi_attr_alloc_size2(2, 3) mi_attr_alloc_align(4);
/* Aligned-at-offset mi_recalloc. */
mi_decl_nodiscard mi_decl_export void* mi_recalloc_aligned_at(void* p, size_t newcount, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size2(2, 3);
/* mi_rezalloc into `heap`. */
mi_decl_nodiscard mi_decl_export void* mi_heap_rezalloc(mi_heap_t* heap, void* p, size_t newsize) mi_attr_noexcept mi_attr_alloc_size(3);
/* mi_recalloc into `heap`. */
mi_decl_nodiscard mi_decl_export void* mi_heap_recalloc(mi_heap_t* heap, void* p, size_t newcount, size_t size) mi_attr_noexcept mi_attr_alloc_size2(3, 4);
/* mi_rezalloc_aligned into `heap`. */
mi_decl_nodiscard mi_decl_export void* mi_heap_rezalloc_aligned(mi_heap_t* heap, void* p, size_t newsize, size_t alignment) mi_attr_noexcept mi_attr_alloc_size(3) mi_attr_alloc_align(4);
/* mi_rezalloc_aligned_at into `heap`. */
mi_decl_nodiscard mi_decl_export void* mi_heap_rezalloc_aligned_at(mi_heap_t* heap, void* p, size_t newsize, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size(3);
/* mi_recalloc_aligned into `heap`. */
mi_decl_nodiscard mi_decl_export void* mi_heap_recalloc_aligned(mi_heap_t* heap, void* p, size_t newcount, size_t size, size_t alignment) mi_attr_noexcept mi_attr_alloc_size2(3, 4) mi_attr_alloc_align(5);
/* mi_recalloc_aligned_at into `heap`. */
mi_decl_nodiscard mi_decl_export void* mi_heap_recalloc_aligned_at(mi_heap_t* heap, void* p, size_t newcount, size_t size, size_t alignment, size_t offset) mi_attr_noexcept mi_attr_alloc_size2(3, 4);

/* ---------------------------------------------------------------------
   Analysis
--------------------------------------------------------------------- */
/* O(1): does `p` point into a block allocated from `heap`? */
mi_decl_export bool mi_heap_contains_block(mi_heap_t* heap, const void* p);
/* Walk the heap's pages: is `p` inside one of them? (slow) */
mi_decl_export bool mi_heap_check_owned(mi_heap_t* heap, const void* p);
/* mi_heap_check_owned on the default heap. */
mi_decl_export bool mi_check_owned(const void* p);
/* v3: the heap whose page holds `p` (any pointer into a live block); NULL for
   memory mirt never returned or a block of an exited thread not yet adopted. */
mi_decl_export mi_heap_t* mi_heap_of(const void* p);
/* v3: mi_heap_contains_block under its v3 name. */
mi_decl_export bool mi_heap_contains(mi_heap_t* heap, const void* p);

/* An area of one page of a heap, as given to a visitor. */
typedef struct mi_heap_area_s {
  void*  blocks;           /* start of the area holding heap blocks */
  size_t reserved;         /* bytes reserved for this area */
  size_t committed;        /* current committed bytes of this area */
  size_t used;             /* number of allocated blocks */
  size_t block_size;       /* size in bytes of each block */
  size_t full_block_size;  /* size in bytes of a full block including padding and metadata */
  int    heap_tag;         /* heap tag associated with this area */
} mi_heap_area_t;

typedef bool (mi_cdecl mi_block_visit_fun)(const mi_heap_t* heap, const mi_heap_area_t* area, void* block, size_t block_size, void* arg);

/* Call `visitor` once per area (block == NULL) and, if `visit_all_blocks`, once per live block; stops when it returns false. */
mi_decl_export bool mi_heap_visit_blocks(const mi_heap_t* heap, bool visit_all_blocks, mi_block_visit_fun* visitor, void* arg);

/* Is `p` inside memory managed by the allocator (a segment-map lookup)? */
mi_decl_nodiscard mi_decl_export bool mi_is_in_heap_region(const void* p) mi_attr_noexcept;
/* Is malloc redirected to mirt (Windows only; false here). */
mi_decl_nodiscard mi_decl_export bool mi_is_redirected(void) mi_attr_noexcept;

/* Reserve `pages` 1 GiB huge pages spread over NUMA nodes; 0 or ENOMEM (no huge pages here). */
mi_decl_export int mi_reserve_huge_os_pages_interleave(size_t pages, size_t numa_nodes, size_t timeout_msecs) mi_attr_noexcept;
/* Reserve `pages` 1 GiB huge pages on one NUMA node; 0 or an errno code. */
mi_decl_export int mi_reserve_huge_os_pages_at(size_t pages, int numa_node, size_t timeout_msecs) mi_attr_noexcept;
/* Reserve `size` bytes of OS memory as an arena; 0 on success or an errno code. */
mi_decl_export int mi_reserve_os_memory(size_t size, bool commit, bool allow_large) mi_attr_noexcept;
/* Hand the memory [start, start+size) to the allocator as an arena. */
mi_decl_export bool mi_manage_os_memory(void* start, size_t size, bool is_committed, bool is_large, bool is_zero, int numa_node) mi_attr_noexcept;
/* Print the arenas and their use to the output hook. */
mi_decl_export void mi_debug_show_arenas(void) mi_attr_noexcept;
/* Same as mi_debug_show_arenas. */
mi_decl_export void mi_arenas_print(void) mi_attr_noexcept;

typedef int mi_arena_id_t;
/* The start and size of arena `arena_id`, or NULL. */
mi_decl_export void* mi_arena_area(mi_arena_id_t arena_id, size_t* size);
/* mi_reserve_huge_os_pages_at that can make an exclusive arena and report its id. */
mi_decl_export int mi_reserve_huge_os_pages_at_ex(size_t pages, int numa_node, size_t timeout_msecs, bool exclusive, mi_arena_id_t* arena_id) mi_attr_noexcept;
/* mi_reserve_os_memory that can make an exclusive arena and report its id. */
mi_decl_export int mi_reserve_os_memory_ex(size_t size, bool commit, bool allow_large, bool exclusive, mi_arena_id_t* arena_id) mi_attr_noexcept;
/* mi_manage_os_memory that can make an exclusive arena and report its id. */
mi_decl_export bool mi_manage_os_memory_ex(void* start, size_t size, bool is_committed, bool is_large, bool is_zero, int numa_node, bool exclusive, mi_arena_id_t* arena_id) mi_attr_noexcept;
/* A new heap that allocates only from arena `arena_id`. */
mi_decl_nodiscard mi_decl_export mi_heap_t* mi_heap_new_in_arena(mi_arena_id_t arena_id);
/* A new heap with a tag (0..255), destroy permission and arena (0 = any). */
mi_decl_nodiscard mi_decl_export mi_heap_t* mi_heap_new_ex(int heap_tag, bool allow_destroy, mi_arena_id_t arena_id);

typedef void* mi_subproc_id_t;
/* The main sub-process. */
mi_decl_export mi_subproc_id_t mi_subproc_main(void);
/* A new sub-process: threads added to it share only its abandoned memory and arenas. */
mi_decl_export mi_subproc_id_t mi_subproc_new(void);
/* Delete a sub-process (its memory stays valid). */
mi_decl_export void mi_subproc_delete(mi_subproc_id_t subproc);
/* Move the calling thread into `subproc` (before its first allocation). */
mi_decl_export void mi_subproc_add_current_thread(mi_subproc_id_t subproc);

/* Visit the areas and blocks of abandoned memory of `subproc` (tag -1 = all); needs the visit_abandoned option. */
mi_decl_export bool mi_abandoned_visit_blocks(mi_subproc_id_t subproc_id, int heap_tag, bool visit_blocks, mi_block_visit_fun* visitor, void* arg);

/* Guard-page sampling of a heap's allocations (accepted; guarded blocks are not built in this version). */
mi_decl_export void mi_heap_guarded_set_sample_rate(mi_heap_t* heap, size_t sample_rate, size_t seed);
/* Restrict guard-page sampling to sizes in [min, max]. */
mi_decl_export void mi_heap_guarded_set_size_bound(mi_heap_t* heap, size_t min, size_t max);
/* mirt: check the heap's pages, free lists and the thread's segments; reports the first inconsistency (EFAULT) and returns false. Call on the heap's thread. */
mi_decl_export bool mi_heap_check(mi_heap_t* heap) mi_attr_noexcept;
/* Is the page holding `p` in `heap` used below `perc_threshold` percent (a hint for compaction)? */
mi_decl_export bool mi_unsafe_heap_page_is_under_utilized(mi_heap_t* heap, void* p, size_t perc_threshold) mi_attr_noexcept;
/* Declare the calling thread a thread-pool worker (a hint). */
mi_decl_export void mi_thread_set_in_threadpool(void) mi_attr_noexcept;
/* Collect the calling thread and release memory down to `target_thread_owned` bytes where possible. */
mi_decl_export void mi_collect_reduce(size_t target_thread_owned) mi_attr_noexcept;

/* Deprecated: reserve `pages` huge pages within `max_secs`. */
mi_decl_export int mi_reserve_huge_os_pages(size_t pages, double max_secs, size_t* pages_reserved) mi_attr_noexcept;

/* ---------------------------------------------------------------------
   Typed allocation (v2 argument order: pointer/heap before the type)
--------------------------------------------------------------------- */
#define mi_malloc_tp(tp)                ((tp*)mi_malloc(sizeof(tp)))
#define mi_zalloc_tp(tp)                ((tp*)mi_zalloc(sizeof(tp)))
#define mi_calloc_tp(tp, n)             ((tp*)mi_calloc(n, sizeof(tp)))
#define mi_mallocn_tp(tp, n)            ((tp*)mi_mallocn(n, sizeof(tp)))
#define mi_reallocn_tp(p, tp, n)        ((tp*)mi_reallocn(p, n, sizeof(tp)))
#define mi_recalloc_tp(p, tp, n)        ((tp*)mi_recalloc(p, n, sizeof(tp)))

#define mi_heap_malloc_tp(hp, tp)       ((tp*)mi_heap_malloc(hp, sizeof(tp)))
#define mi_heap_zalloc_tp(hp, tp)       ((tp*)mi_heap_zalloc(hp, sizeof(tp)))
#define mi_heap_calloc_tp(hp, tp, n)    ((tp*)mi_heap_calloc(hp, n, sizeof(tp)))
#define mi_heap_mallocn_tp(hp, tp, n)   ((tp*)mi_heap_mallocn(hp, n, sizeof(tp)))
#define mi_heap_reallocn_tp(hp, p, tp, n) ((tp*)mi_heap_reallocn(hp, p, n, sizeof(tp)))
#define mi_heap_recalloc_tp(hp, p, tp, n) ((tp*)mi_heap_recalloc(hp, p, n, sizeof(tp)))

/* v3 compatibility: a "theap" is a heap here. */
typedef mi_heap_t mi_theap_t;
#define mi_theap_get_default()           mi_heap_get_default()
#define mi_theap_set_default(th)         mi_heap_set_default(th)
#define mi_theap_collect(th, force)      mi_heap_collect(th, force)
#define mi_theap_malloc(th, n)           mi_heap_malloc(th, n)
#define mi_theap_zalloc(th, n)           mi_heap_zalloc(th, n)
#define mi_theap_calloc(th, c, n)        mi_heap_calloc(th, c, n)
#define mi_theap_malloc_small(th, n)     mi_heap_malloc_small(th, n)
#define mi_theap_malloc_aligned(th, n, a) mi_heap_malloc_aligned(th, n, a)
#define mi_theap_realloc(th, p, n)       mi_heap_realloc(th, p, n)

/* ---------------------------------------------------------------------
   Options (read once from MIMALLOC_<NAME>, changeable at run time)
--------------------------------------------------------------------- */
typedef enum mi_option_e {
  /* stable options */
  mi_option_show_errors,              /* print error messages */
  mi_option_show_stats,               /* print statistics on exit */
  mi_option_verbose,                  /* print verbose messages and the options in force */
  /* advanced options */
  mi_option_eager_commit,             /* commit segments eagerly (1) */
  mi_option_arena_eager_commit,       /* eager commit of arenas (2 = only on overcommit systems) */
  mi_option_purge_decommits,          /* purge with decommit/MADV_DONTNEED (1) or reset/MADV_FREE (0) */
  mi_option_allow_large_os_pages,     /* mirt: segments ask for transparent 2 MiB pages (MADV_HUGEPAGE) (0) */
  mi_option_reserve_huge_os_pages,    /* reserve N 1 GiB huge pages at start */
  mi_option_reserve_huge_os_pages_at, /* ... on this NUMA node */
  mi_option_reserve_os_memory,        /* reserve this many KiB as an arena at start */
  mi_option_deprecated_segment_cache,
  mi_option_deprecated_page_reset,
  mi_option_abandoned_page_purge,     /* purge free pages of abandoned segments at thread exit */
  mi_option_deprecated_segment_reset,
  mi_option_eager_commit_delay,       /* number of lazily committed segments per thread */
  mi_option_purge_delay,              /* ms before freed memory is purged (0 = at once, -1 = never) */
  mi_option_use_numa_nodes,           /* number of NUMA nodes to use (0 = detect) */
  mi_option_disallow_os_alloc,        /* allocate only from arenas */
  mi_option_os_tag,                   /* OS tag for mappings (macOS) */
  mi_option_max_errors,               /* print at most this many errors */
  mi_option_max_warnings,             /* print at most this many warnings */
  mi_option_max_segment_reclaim,      /* percentage of abandoned segments reclaimed per try */
  mi_option_destroy_on_exit,          /* release all OS memory at exit */
  mi_option_arena_reserve,            /* KiB reserved for a new arena */
  mi_option_arena_purge_mult,         /* multiplier of purge_delay for arena memory */
  mi_option_purge_extend_delay,       /* ms added to the purge delay by a further free */
  mi_option_abandoned_reclaim_on_free,/* reclaim an abandoned segment when freeing into it */
  mi_option_disallow_arena_alloc,     /* do not allocate from arenas */
  mi_option_retry_on_oom,             /* ms to retry on out-of-memory (Windows) */
  mi_option_visit_abandoned,          /* allow mi_abandoned_visit_blocks */
  mi_option_guarded_min,              /* guard-page sampling: minimal size */
  mi_option_guarded_max,              /* guard-page sampling: maximal size */
  mi_option_guarded_precise,          /* guard-page sampling: place blocks exactly before the guard */
  mi_option_guarded_sample_rate,      /* guard-page sampling: 1 in N allocations */
  mi_option_guarded_sample_seed,      /* guard-page sampling: seed */
  mi_option_target_segments_per_thread, /* experimental */
  mi_option_generic_collect,          /* slow-path allocations between heap collections */
  mi_option_allow_thp,                /* allow transparent huge pages (0 disables them for the process) */
  /* mirt extensions */
  mi_option_heartbeat_period,         /* allocation slow paths between deferred-free heartbeats (mirt) */
  mi_option_large_purge_delay,        /* ms before freed large/huge blocks are purged (mirt) */
  mi_option_zero_freed,               /* secure and debug builds: zero blocks when they are freed (mirt) */
  _mi_option_last,
  /* legacy names */
  mi_option_large_os_pages = mi_option_allow_large_os_pages,
  mi_option_eager_region_commit = mi_option_arena_eager_commit,
  mi_option_reset_decommits = mi_option_purge_decommits,
  mi_option_reset_delay = mi_option_purge_delay,
  mi_option_abandoned_page_reset = mi_option_abandoned_page_purge,
  mi_option_limit_os_alloc = mi_option_disallow_os_alloc
} mi_option_t;

/* Is the option non-zero? */
mi_decl_nodiscard mi_decl_export bool mi_option_is_enabled(mi_option_t option);
/* Set the option to 1. */
mi_decl_export void mi_option_enable(mi_option_t option);
/* Set the option to 0. */
mi_decl_export void mi_option_disable(mi_option_t option);
/* Set the option to `enable`. */
mi_decl_export void mi_option_set_enabled(mi_option_t option, bool enable);
/* Set the option to `enable` unless it was set by the environment or a call. */
mi_decl_export void mi_option_set_enabled_default(mi_option_t option, bool enable);

/* The option's value. */
mi_decl_nodiscard mi_decl_export long mi_option_get(mi_option_t option);
/* The option's value clamped to [min, max]. */
mi_decl_nodiscard mi_decl_export long mi_option_get_clamp(mi_option_t option, long min, long max);
/* The option's value in bytes (for options kept in KiB). */
mi_decl_nodiscard mi_decl_export size_t mi_option_get_size(mi_option_t option);
/* Set the option's value. */
mi_decl_export void mi_option_set(mi_option_t option, long value);
/* Set the option's value unless it was set by the environment or a call. */
mi_decl_export void mi_option_set_default(mi_option_t option, long value);

/* ---------------------------------------------------------------------
   POSIX, Unix and Windows compatible names (all prefixed mi_)
--------------------------------------------------------------------- */
/* Free `p` only if it lies in memory the allocator manages. */
mi_decl_export void mi_cfree(void* p) mi_attr_noexcept;
/* mi_expand that sets errno to ENOMEM when it fails. */
mi_decl_export void* mi__expand(void* p, size_t newsize) mi_attr_noexcept;
/* Same as mi_usable_size. */
mi_decl_nodiscard mi_decl_export size_t mi_malloc_size(const void* p) mi_attr_noexcept;
/* Same as mi_good_size. */
mi_decl_nodiscard mi_decl_export size_t mi_malloc_good_size(size_t size) mi_attr_noexcept;
/* Same as mi_usable_size. */
mi_decl_nodiscard mi_decl_export size_t mi_malloc_usable_size(const void* p) mi_attr_noexcept;

/* posix_memalign: 0, EINVAL (bad alignment or NULL p) or ENOMEM; `*p` untouched on error. */
mi_decl_export int mi_posix_memalign(void** p, size_t alignment, size_t size) mi_attr_noexcept;
/* memalign: `alignment` first; NULL+EINVAL for a bad alignment. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_memalign(size_t alignment, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2) mi_attr_alloc_align(1);
/* Page-aligned allocation. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_valloc(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* Page-aligned allocation of `size` rounded up to whole pages. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_pvalloc(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* C11 aligned_alloc; any size (C17 DR460); NULL+EINVAL for a bad alignment. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_aligned_alloc(size_t alignment, size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(2) mi_attr_alloc_align(1);

/* reallocarray: overflow-checked; NULL+ENOMEM on failure with `p` untouched. */
mi_decl_nodiscard mi_decl_export void* mi_reallocarray(void* p, size_t count, size_t size) mi_attr_noexcept mi_attr_alloc_size2(2, 3);
/* NetBSD reallocarr: resize `*p` in place of the pointer; returns 0 or an errno code. */
mi_decl_nodiscard mi_decl_export int mi_reallocarr(void* p, size_t count, size_t size) mi_attr_noexcept;
/* Windows _aligned_recalloc. */
mi_decl_nodiscard mi_decl_export void* mi_aligned_recalloc(void* p, size_t newcount, size_t size, size_t alignment) mi_attr_noexcept;
/* Windows _aligned_offset_recalloc. */
mi_decl_nodiscard mi_decl_export void* mi_aligned_offset_recalloc(void* p, size_t newcount, size_t size, size_t alignment, size_t offset) mi_attr_noexcept;

/* Duplicate a wide string. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict unsigned short* mi_wcsdup(const unsigned short* s) mi_attr_noexcept mi_attr_malloc;
/* Duplicate a multi-byte string. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict unsigned char* mi_mbsdup(const unsigned char* s) mi_attr_noexcept mi_attr_malloc;
/* Windows _dupenv_s: copy environment variable `name` into `*buf`; 0 or an errno code. */
mi_decl_export int mi_dupenv_s(char** buf, size_t* size, const char* name) mi_attr_noexcept;
/* Windows _wdupenv_s for wide names (always ENOENT-style empty result on Linux). */
mi_decl_export int mi_wdupenv_s(unsigned short** buf, size_t* size, const unsigned short* name) mi_attr_noexcept;

/* Sized free (the size is a hint). */
mi_decl_export void mi_free_size(void* p, size_t size) mi_attr_noexcept;
/* Sized and aligned free. */
mi_decl_export void mi_free_size_aligned(void* p, size_t size, size_t alignment) mi_attr_noexcept;
/* Aligned free. */
mi_decl_export void mi_free_aligned(void* p, size_t alignment) mi_attr_noexcept;

/* ---------------------------------------------------------------------
   C++ new semantics: retry through the new-handler, then fail (abort in C)
--------------------------------------------------------------------- */
/* operator new: never returns NULL. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_new(size_t size) mi_attr_malloc mi_attr_alloc_size(1);
/* Aligned operator new. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_new_aligned(size_t size, size_t alignment) mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
/* operator new(nothrow): NULL on failure. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_new_nothrow(size_t size) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1);
/* Aligned operator new(nothrow). */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_new_aligned_nothrow(size_t size, size_t alignment) mi_attr_noexcept mi_attr_malloc mi_attr_alloc_size(1) mi_attr_alloc_align(2);
/* operator new[] of `count*size` with overflow check. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_new_n(size_t count, size_t size) mi_attr_malloc mi_attr_alloc_size2(1, 2);
/* Reallocate with new semantics. */
mi_decl_nodiscard mi_decl_export void* mi_new_realloc(void* p, size_t newsize) mi_attr_alloc_size(2);
/* Reallocate `count*size` with new semantics. */
mi_decl_nodiscard mi_decl_export void* mi_new_reallocn(void* p, size_t newcount, size_t size) mi_attr_alloc_size2(2, 3);
/* operator new from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_alloc_new(mi_heap_t* heap, size_t size) mi_attr_malloc mi_attr_alloc_size(2);
/* operator new[] from `heap`. */
mi_decl_nodiscard mi_decl_export mi_decl_restrict void* mi_heap_alloc_new_n(mi_heap_t* heap, size_t count, size_t size) mi_attr_malloc mi_attr_alloc_size2(2, 3);

#ifdef __cplusplus
}
#endif

/* ---------------------------------------------------------------------
   C++ allocators for the standard containers
     mi_stl_allocator<T>               allocates with mi_new_n, frees with mi_free
     mi_heap_stl_allocator<T>          on its own heap (a new one by default),
                                       deleted with the last copy
     mi_heap_destroy_stl_allocator<T>  the same, but the heap is destroyed with
                                       the last copy and deallocate does nothing
--------------------------------------------------------------------- */
#ifdef __cplusplus
#include <cstddef>      /* std::size_t */
#include <cstdint>      /* PTRDIFF_MAX */
#if (__cplusplus >= 201103L)
#include <memory>       /* std::shared_ptr */
#include <type_traits>  /* std::true_type */
#include <utility>      /* std::forward */
#endif

template<class T> struct _mi_stl_allocator_base {
  typedef T                 value_type;
  typedef std::size_t       size_type;
  typedef std::ptrdiff_t    difference_type;
  typedef value_type&       reference;
  typedef value_type const& const_reference;
  typedef value_type*       pointer;
  typedef value_type const* const_pointer;
#if (__cplusplus >= 201103L)
  using propagate_on_container_copy_assignment = std::true_type;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap            = std::true_type;
  template<class U, class... Args> void construct(U* p, Args&&... args) { ::new ((void*)p) U(std::forward<Args>(args)...); }
  template<class U> void destroy(U* p) mi_attr_noexcept { p->~U(); }
#else
  void construct(pointer p, value_type const& val) { ::new ((void*)p) value_type(val); }
  void destroy(pointer p) { p->~value_type(); }
#endif
  size_type max_size() const mi_attr_noexcept { return (size_type)(PTRDIFF_MAX / sizeof(value_type)); }
  pointer address(reference x) const { return &x; }
  const_pointer address(const_reference x) const { return &x; }
};

template<class T> struct mi_stl_allocator : public _mi_stl_allocator_base<T> {
  typedef typename _mi_stl_allocator_base<T>::size_type size_type;
  template<class U> struct rebind { typedef mi_stl_allocator<U> other; };
  mi_stl_allocator() mi_attr_noexcept { }
  mi_stl_allocator(const mi_stl_allocator&) mi_attr_noexcept { }
  template<class U> mi_stl_allocator(const mi_stl_allocator<U>&) mi_attr_noexcept { }
  mi_stl_allocator select_on_container_copy_construction() const { return *this; }
  T* allocate(size_type count) { return static_cast<T*>(mi_new_n(count, sizeof(T))); }
  T* allocate(size_type count, const void*) { return allocate(count); }
  void deallocate(T* p, size_type) { mi_free(p); }
};
template<class T1, class T2> bool operator==(const mi_stl_allocator<T1>&, const mi_stl_allocator<T2>&) mi_attr_noexcept { return true; }
template<class T1, class T2> bool operator!=(const mi_stl_allocator<T1>&, const mi_stl_allocator<T2>&) mi_attr_noexcept { return false; }

#if (__cplusplus >= 201103L)
/* Shared state of the heap allocators: the heap and what to do with it at the end. */
template<class T, bool destroy> struct _mi_heap_stl_allocator_base : public _mi_stl_allocator_base<T> {
  typedef typename _mi_stl_allocator_base<T>::size_type size_type;
  std::shared_ptr<mi_heap_t> heap;

  _mi_heap_stl_allocator_base() {
    mi_heap_t* h = mi_heap_new();
    heap.reset(h, (destroy ? &_mi_heap_stl_destroy : &_mi_heap_stl_delete));
  }
  _mi_heap_stl_allocator_base(mi_heap_t* h) : heap(h, &_mi_heap_stl_keep) { }   /* a heap owned by the caller */
  _mi_heap_stl_allocator_base(const _mi_heap_stl_allocator_base& other) mi_attr_noexcept : heap(other.heap) { }
  template<class U> _mi_heap_stl_allocator_base(const _mi_heap_stl_allocator_base<U, destroy>& other) mi_attr_noexcept : heap(other.heap) { }

  T* allocate(size_type count) { return static_cast<T*>(mi_heap_alloc_new_n(heap.get(), count, sizeof(T))); }
  T* allocate(size_type count, const void*) { return allocate(count); }
  void deallocate(T* p, size_type) { if (!destroy) mi_free(p); }
  void collect(bool force) { mi_heap_collect(heap.get(), force); }
  template<class U> bool is_equal(const _mi_heap_stl_allocator_base<U, destroy>& other) const { return heap == other.heap; }

 protected:
  static void _mi_heap_stl_delete(mi_heap_t* h) { mi_heap_delete(h); }
  static void _mi_heap_stl_destroy(mi_heap_t* h) { mi_heap_destroy(h); }
  static void _mi_heap_stl_keep(mi_heap_t*) { }
};

template<class T> struct mi_heap_stl_allocator : public _mi_heap_stl_allocator_base<T, false> {
  typedef _mi_heap_stl_allocator_base<T, false> base;
  template<class U> struct rebind { typedef mi_heap_stl_allocator<U> other; };
  mi_heap_stl_allocator() : base() { }
  mi_heap_stl_allocator(mi_heap_t* h) : base(h) { }
  template<class U> mi_heap_stl_allocator(const mi_heap_stl_allocator<U>& other) mi_attr_noexcept : base(other) { }
  mi_heap_stl_allocator select_on_container_copy_construction() const { return *this; }
};
template<class T1, class T2> bool operator==(const mi_heap_stl_allocator<T1>& x, const mi_heap_stl_allocator<T2>& y) mi_attr_noexcept { return x.is_equal(y); }
template<class T1, class T2> bool operator!=(const mi_heap_stl_allocator<T1>& x, const mi_heap_stl_allocator<T2>& y) mi_attr_noexcept { return !x.is_equal(y); }

template<class T> struct mi_heap_destroy_stl_allocator : public _mi_heap_stl_allocator_base<T, true> {
  typedef _mi_heap_stl_allocator_base<T, true> base;
  template<class U> struct rebind { typedef mi_heap_destroy_stl_allocator<U> other; };
  mi_heap_destroy_stl_allocator() : base() { }
  mi_heap_destroy_stl_allocator(mi_heap_t* h) : base(h) { }
  template<class U> mi_heap_destroy_stl_allocator(const mi_heap_destroy_stl_allocator<U>& other) mi_attr_noexcept : base(other) { }
  mi_heap_destroy_stl_allocator select_on_container_copy_construction() const { return *this; }
};
template<class T1, class T2> bool operator==(const mi_heap_destroy_stl_allocator<T1>& x, const mi_heap_destroy_stl_allocator<T2>& y) mi_attr_noexcept { return x.is_equal(y); }
template<class T1, class T2> bool operator!=(const mi_heap_destroy_stl_allocator<T1>& x, const mi_heap_destroy_stl_allocator<T2>& y) mi_attr_noexcept { return !x.is_equal(y); }
#endif /* C++11 */
#endif /* __cplusplus */

#endif /* MIMALLOC_H */
