/* SPDX-License-Identifier: MIT
 * types.h -- build modes, size constants and every data structure of the allocator.
 *
 * Shape (64-bit):
 *   segment   32 MiB, aligned to its size, 512 slices of 64 KiB.  Slice 0 holds
 *             the metadata: the segment header (256 B) followed by one 128-byte
 *             descriptor per slice, so the descriptor of any pointer is found by
 *             masking and shifting -- no lookup table, no header before a block.
 *             Slice 1 is never a page (its descriptor slot overlaps the header;
 *             secure builds put the guard page there).  Pages start at slice 2.
 *   page      small: 1 slice, blocks <= 8 KiB; medium: 8 slices, blocks <= 64 KiB;
 *             large: n slices, one block <= MI_LARGE_OBJ_SIZE_MAX (~31.8 MiB);
 *             huge: a segment of its own, one block.
 *   bins      16-byte steps to 128 B, then 4 bins per power of two up to 64 KiB.
 */
#ifndef MI_TYPES_H
#define MI_TYPES_H

#include <stddef.h>   /* size_t */
#include <stdint.h>   /* uintptr_t */
#include <stdbool.h>
#include "atomic.h"
#include "mimalloc-stats.h"

/* ------------------------------------------------------------------------
   Build modes (set by configure in config.h)
------------------------------------------------------------------------ */
#ifndef MI_DEBUG
#define MI_DEBUG 0             /* 1: asserts; 2: + invariant checks and fill patterns */
#endif
#ifndef MI_SECURE
#define MI_SECURE 0            /* 0: off; 4: guards, encoded+randomised lists, canaries, checks */
#endif
#if MI_SECURE > 0
#define MI_ENCODE_FREELIST 1   /* free-list next pointers are encoded with per-page keys */
#else
#define MI_ENCODE_FREELIST 0
#endif
#if MI_SECURE > 0 || MI_DEBUG > 1
#define MI_PADDING 1           /* a canary follows every block and is checked on free */
#else
#define MI_PADDING 0
#endif
/* Secure-mode checks that can be switched off one by one at compile time
   (-DMI_SECURE_WAF=0 ...) to measure what each costs (bench/results):
   - WAF: freed small and medium blocks are zeroed (bytes 8 to 8 + 16 *
     MI_WAF_PAIRS) and checked on reuse and when their page is freed;
   - LARGE_PROTECT (off unless -DMI_SECURE_LARGE_PROTECT=1): a freed large
     page is PROT_NONE until its slices are claimed again or purged;
   - ZERO_REGION: malloc(0) returns a distinct slot of an inaccessible region;
   - SIZED_CHECK: sized frees check the size and alignment they are given. */
#if MI_SECURE > 0
#ifndef MI_SECURE_WAF
#if MI_DEBUG > 1 || MI_TRACK_VALGRIND || MI_ASAN
#define MI_SECURE_WAF 0        /* debug fill patterns and tools own free blocks */
#else
#define MI_SECURE_WAF 1
#endif
#endif
#ifndef MI_WAF_PAIRS
#define MI_WAF_PAIRS 8         /* 16-byte units after the link word kept zero and checked: bytes [8, 136), 0..8 (bench/results/2026-12-08-secure-issue19.md) */
#endif
#ifndef MI_SECURE_LARGE_PROTECT
#define MI_SECURE_LARGE_PROTECT 0  /* off: 1.3x on bench/run, 8x with threads churning 128-256 KiB blocks (bench/results/2026-12-08-secure-issue19.md) */
#endif
#ifndef MI_SECURE_LARGE_HOLD
#define MI_SECURE_LARGE_HOLD 1     /* ... and held back from reuse until the thread frees its next large page */
#endif
#ifndef MI_SECURE_ZERO_REGION
#define MI_SECURE_ZERO_REGION 1
#endif
#ifndef MI_SECURE_SIZED_CHECK
#define MI_SECURE_SIZED_CHECK 1
#endif
#else
#undef MI_SECURE_WAF
#undef MI_SECURE_LARGE_PROTECT
#undef MI_SECURE_LARGE_HOLD
#undef MI_SECURE_ZERO_REGION
#undef MI_SECURE_SIZED_CHECK
#define MI_SECURE_WAF 0
#define MI_SECURE_LARGE_PROTECT 0
#define MI_SECURE_LARGE_HOLD 0
#define MI_SECURE_ZERO_REGION 0
#define MI_SECURE_SIZED_CHECK 0
#endif

#if MI_PADDING
#define MI_PADDING_SIZE 8      /* the canary word at the end of each block */
#else
#define MI_PADDING_SIZE 0
#endif

/* ------------------------------------------------------------------------
   Sizes
------------------------------------------------------------------------ */
#define MI_KiB                  ((size_t)1024)
#if UINTPTR_MAX > 0xFFFFFFFFu
#define MI_SEGMAP_BITS          48        /* address bits the segment map covers */
#else
#define MI_SEGMAP_BITS          32
#endif
#define MI_MiB                  (MI_KiB * MI_KiB)
#define MI_GiB                  (MI_MiB * MI_KiB)

#define MI_MAX_ALIGN_SIZE       16        /* every block is aligned to this */
#define MI_SEGMENT_SHIFT        25        /* 32 MiB */
#define MI_SEGMENT_SIZE         ((size_t)1 << MI_SEGMENT_SHIFT)
#define MI_SEGMENT_MASK         (MI_SEGMENT_SIZE - 1)
#define MI_SLICE_SHIFT          16        /* 64 KiB */
#define MI_SLICE_SIZE           ((size_t)1 << MI_SLICE_SHIFT)
#define MI_SLICE_COUNT          (MI_SEGMENT_SIZE / MI_SLICE_SIZE)   /* 512 */
#define MI_PAGE_DESC_SHIFT      7         /* a page descriptor is 128 bytes */
#define MI_SEGMENT_FIRST_SLICE  2         /* slice 0: metadata, slice 1: gap or guard */
#define MI_SEGMENT_HEADER_SIZE  256       /* header lives in descriptor slots 0 and 1 */

#define MI_SMALL_PAGE_SLICES    1
#define MI_MEDIUM_PAGE_SLICES   8
#define MI_SMALL_OBJ_SIZE_MAX   (8 * MI_KiB)
#define MI_MEDIUM_OBJ_SIZE_MAX  (64 * MI_KiB)
/* single-block pages up to a whole segment; above: huge, a mapping of its own */
#define MI_LARGE_OBJ_SIZE_MAX   ((MI_SLICE_COUNT - MI_SEGMENT_FIRST_SLICE) * MI_SLICE_SIZE - 4 * MI_KiB)
#define MI_MAX_ALLOC_SIZE       ((size_t)PTRDIFF_MAX - (size_t)(64 * MI_MiB))  /* larger requests fail with ENOMEM */
#define MI_ADDRESS_SPACE_SIZE   ((size_t)1 << (MI_SEGMAP_BITS - 1))   /* half the mapped range: no mapping is larger */
/* Alignments up to this are served inside normal segments; larger ones get a huge segment. */
#define MI_BLOCK_ALIGNMENT_MAX  (MI_SEGMENT_SIZE / 2)

/* Bins: 1..8 are 16..128 B; then 4 per power of two; 44 = 64 KiB. */
#define MI_BIN_SMALL_MAX        32        /* last bin held in small pages (8 KiB) */
#define MI_BIN_MEDIUM_MAX       44        /* last bin held in medium pages (64 KiB) */
#define MI_BIN_LARGE            45        /* single-block pages that have been freed back */
#define MI_BIN_FULL             46        /* pages without free blocks: never scanned */
#define MI_BIN_COUNT            47

#define MI_DIRECT_COUNT         65        /* direct page table for sizes 0..1024, step 16 */
#define MI_SMALL_SIZE_MAX_      1024

/* Secure builds end every page with an inaccessible guard page: one OS page
   (sysconf(_SC_PAGESIZE), set by os.c before the first allocation), or none
   where an OS page is more than a quarter of a slice (64 KiB-page kernels). */
#if MI_SECURE > 0
extern size_t _mi_page_guard_size;
#define MI_PAGE_GUARD_SIZE      (_mi_page_guard_size)
#else
#define MI_PAGE_GUARD_SIZE      ((size_t)0)
#endif

/* Free lists are extended lazily, at most this many bytes of blocks at a time. */
#define MI_MAX_EXTEND_SIZE      (4 * MI_KiB)
#define MI_MIN_EXTEND           4
#define MI_SMALL_EXTEND_WHOLE   (1 * MI_KiB)   /* small pages of resident memory with blocks this size or more are threaded whole */

/* ------------------------------------------------------------------------
   Blocks
------------------------------------------------------------------------ */
typedef struct mi_block_s {
  uintptr_t next;              /* next free block (encoded in secure builds) */
} mi_block_t;

/* ------------------------------------------------------------------------
   Pages.  `xowner` is the owning thread's id (its thread pointer) with flags
   in the low 3 bits, so the owner's free fast path is one compare; it is 0
   for abandoned pages and free slices, and MI_XOWNER_CONT in the descriptor
   of a slice that continues a multi-slice page.
------------------------------------------------------------------------ */
#define MI_PAGE_IN_FULL         ((uintptr_t)1)  /* page is in the full queue */
#define MI_PAGE_HAS_ALIGNED     ((uintptr_t)2)  /* blocks may be freed by interior pointers */
#define MI_PAGE_CHECKED         ((uintptr_t)4)  /* every free goes through the checked path */
#define MI_PAGE_FLAGS_MASK      ((uintptr_t)7)
#if MI_DEBUG > 1 || MI_SECURE > 0
#define MI_PAGE_INIT_FLAGS      MI_PAGE_CHECKED   /* checked builds: every free takes the checked path */
#else
#define MI_PAGE_INIT_FLAGS      ((uintptr_t)0)
#endif
#define MI_XOWNER_CONT          (~(uintptr_t)0)

/* States of a page's remote-free list, in the low 2 bits of `xthread_free`:
   the owner "arms" a full page so the first remote free tells it (by pushing
   the page on the owner thread's notify stack) that the page has room. */
#define MI_NOTIFY_NONE          0   /* remote frees just push */
#define MI_NOTIFY_ARMED         1   /* the next remote free must notify the owner */
#define MI_NOTIFY_BUSY          2   /* a remote freer is pushing the page on the notify stack */
#define MI_NOTIFY_DONE          3   /* the page is on the owner's notify stack */
#define MI_NOTIFY_MASK          ((uintptr_t)3)

typedef enum mi_page_kind_e {
  MI_PAGE_SMALL,               /* 1 slice */
  MI_PAGE_MEDIUM,              /* 8 slices */
  MI_PAGE_LARGE,               /* n slices, one block */
  MI_PAGE_HUGE                 /* its own segment, one block */
} mi_page_kind_t;

struct mi_heap_s;
struct mi_tld_s;

typedef struct mi_page_s {
  /* -- first cache line: everything the fast paths touch -- */
  mi_block_t*       free;          /* allocation pops here */
  mi_block_t*       local_free;    /* frees by the owner push here */
  mi_atomic_t       xowner;        /* owner thread id | MI_PAGE_* flags (read by any thread) */
  uint32_t          used;          /* blocks allocated + in `free` + in `xthread_free` (see page.c) */
  uint32_t          capacity;      /* blocks threaded into the lists so far */
  uint32_t          reserved;      /* blocks that fit in the page */
  union {
    uint32_t        back;          /* continuation slice: bytes back to the page descriptor */
    uint32_t        last;          /* page: offset of its last block from page_start, (reserved - 1) * block_size */
  };
  size_t            block_size;    /* 0 for a free slice */
  mi_atomic_t       xthread_free;  /* frees by other threads | MI_NOTIFY_* state */
  struct mi_heap_s* heap;          /* owning heap (NULL when abandoned) */
  /* -- second cache line -- */
  struct mi_page_s* next;          /* page queue links */
  struct mi_page_s* prev;
  uint8_t*          page_start;    /* first block */
  struct mi_page_s* notify_next;   /* link on the owner thread's notify stack */
  uint16_t          slice_count;   /* slices spanned by the page */
  uint8_t           kind;          /* mi_page_kind_t */
  uint8_t           bin;           /* page queue index */
  uint8_t           free_is_zero;  /* blocks in `free` are zero apart from their first word */
  uint8_t           retired;       /* empty page kept for reuse */
  uint8_t           tag;           /* heap tag (mi_heap_new_ex) */
  uint8_t           guarded;       /* secure, free slice: 1: its last OS page is still a PROT_NONE guard; 2: all of it is PROT_NONE */
  uint32_t          retire_gen;    /* generic-call count when it was retired */
  uint32_t          block_inv;     /* inverse (mod 2^32) of block_size's odd part: divide-free block-start test */
  union {
    uintptr_t       keys[2];       /* in use: link and canary mask keys, keys[0] odd (secure and debug builds) */
    struct {
      uint64_t      purge_due;     /* free dirty slice: ms after which its memory may be purged (purge.c) */
      uint64_t      purged_at;     /* free clean slice: ms when it was purged (0: never) */
    };
  };
} mi_page_t;

/* ------------------------------------------------------------------------
   Segments
------------------------------------------------------------------------ */
typedef enum mi_segment_kind_e {
  MI_SEGMENT_NORMAL,           /* 512 slices shared by small/medium/large pages */
  MI_SEGMENT_HUGE              /* one huge page */
} mi_segment_kind_t;

#define MI_SLICE_MAP_WORDS      (MI_SLICE_COUNT / 64)

typedef struct mi_segment_s {
  uint32_t              kind;            /* mi_segment_kind_t */
  uint32_t              used_pages;      /* pages currently allocated in the segment */
  size_t                segment_size;    /* bytes mapped (huge segments: more than 32 MiB) */
  uintptr_t             cookie;          /* segment address ^ process cookie: validates a header */
  struct mi_tld_s*      tld;             /* owner thread; NULL while abandoned or cached */
  struct mi_segment_s*  next;            /* owner's segment list, or abandoned / cache list */
  struct mi_segment_s*  prev;
  uint64_t              purge_expire;    /* ms; dirty free slices are purged after this (0: none) */
  int32_t               arena_id;        /* arena the memory came from (-1: OS) */
  void*                 subproc;         /* sub-process of the owner (NULL: the main one); reclaim stays within it */
  uint8_t               is_zero;         /* huge segment: memory still zero */
  uint8_t               pad_[3];
  uint64_t              room_bins;       /* abandoned: bit b = a page of bin b had room for a block */
  uint64_t              free_map[MI_SLICE_MAP_WORDS];   /* 1 = slice not part of a page */
  uint64_t              dirty_map[MI_SLICE_MAP_WORDS];  /* 1 = free slice whose memory is not purged */
} mi_segment_t;

/* Segment map: one byte per segment-sized chunk of the address range that
   mirt's own mappings use: 48 bits on 64-bit targets (x86-64's 47-bit user
   space, arm64's 48-bit one; Linux maps above 2^47/2^48 on 57/52-bit
   kernels only when asked to with a hint, and segment.c gives back any
   mapping beyond the map), the whole space on 32-bit ones.  A pointer
   beyond it is foreign: every lookup checks the bound first. */
#define MI_SEGMAP_NONE          0   /* not ours */
#define MI_SEGMAP_START         1   /* a segment starts here */
#define MI_SEGMAP_CONT          2   /* continuation of a huge segment */
#define MI_SEGMAP_ZERO          3   /* secure: the inaccessible region of zero-size blocks (secure.c) */
#define MI_SEGMAP_ENTRIES       ((size_t)1 << (MI_SEGMAP_BITS - MI_SEGMENT_SHIFT))

/* ------------------------------------------------------------------------
   Statistics (internal representation; mimalloc-stats.h is the public one)
------------------------------------------------------------------------ */
/* mi_stat_count_t (total, peak, current) comes from mimalloc-stats.h */

typedef enum mi_stat_e {
  MI_STAT_RESERVED,            /* bytes of address space reserved */
  MI_STAT_COMMITTED,           /* bytes of address space usable (dirty or in use) */
  MI_STAT_SEGMENTS,
  MI_STAT_PAGES,
  MI_STAT_PAGES_ABANDONED,
  MI_STAT_THREADS,
  MI_STAT_HEAPS,
  MI_STAT_LARGE,               /* bytes in large blocks */
  MI_STAT_HUGE,                /* bytes in huge blocks */
  MI_STAT_NORMAL,              /* bytes in pages of small/medium blocks (page capacity) */
  MI_STAT_COUNT_LAST
} mi_stat_t;

typedef enum mi_counter_e {
  MI_CTR_MMAP_CALLS,
  MI_CTR_PURGE_CALLS,
  MI_CTR_PURGED_BYTES,
  MI_CTR_GENERIC_CALLS,        /* allocation slow paths */
  MI_CTR_HEARTBEATS,
  MI_CTR_PAGE_SEARCHES,
  MI_CTR_PAGES_EXTENDED,
  MI_CTR_PAGES_RETIRED,
  MI_CTR_PAGES_RECLAIMED,
  MI_CTR_SEGMENTS_ABANDONED,
  MI_CTR_SEGMENTS_RECLAIMED,
  MI_CTR_SEGMENTS_CACHED,
  MI_CTR_NOTIFICATIONS,
  MI_CTR_REMOTE_FREES,
  MI_CTR_LARGE_ALLOCS,
  MI_CTR_HUGE_ALLOCS,
  MI_CTR_COUNT_LAST
} mi_counter_t;

/* Live blocks and bytes found by walking pages (statistics, tests). */
typedef struct mi_live_s {
  size_t blocks;
  size_t normal_bytes;         /* small and medium blocks */
  size_t huge_bytes;           /* large and huge blocks */
} mi_live_t;

typedef struct mi_stats_internal_s {
  mi_stat_count_t count[MI_STAT_COUNT_LAST];
  int64_t         counter[MI_CTR_COUNT_LAST];
  int64_t         page_bins[MI_BIN_COUNT];    /* pages currently allocated per bin */
} mi_stats_internal_t;

/* ------------------------------------------------------------------------
   Heaps and thread-local data
------------------------------------------------------------------------ */
typedef struct mi_page_queue_s {
  mi_page_t* first;
  mi_page_t* last;
  size_t     block_size;
} mi_page_queue_t;

struct mi_heap_s {
  mi_page_t*       pages_direct[MI_DIRECT_COUNT];  /* first: the malloc fast path indexes it */
  mi_page_queue_t  pages[MI_BIN_COUNT];
  struct mi_tld_s* tld;                 /* NULL only for the static empty heap */
  struct mi_heap_s* next;               /* in tld->heaps */
  size_t           page_count;
  size_t           retired_min;         /* range of bins that may hold retired pages */
  size_t           retired_max;
  uint32_t         tag;
  int32_t          arena_id;            /* 0: any arena */
  bool             allow_destroy;
  bool             no_reclaim;          /* never adopts abandoned segments */
  bool             exclusive_arena;
  uint64_t         guarded_sample_rate; /* accepted, not used */
};
typedef struct mi_heap_s mi_heap_t;

typedef struct mi_tld_s {
  uintptr_t        tid;                 /* thread id (thread pointer) */
  mi_heap_t*       heap_backing;
  mi_heap_t*       heaps;               /* every heap of the thread, backing first */
  mi_atomic_t      xnotify;             /* stack of pages notified by remote frees */
  mi_segment_t*    segments;            /* segments owned by this thread */
  size_t           segment_count;
  uint64_t         purge_due;           /* earliest purge_expire among owned segments (0: none) */
  unsigned long long heartbeat;
  size_t           generic_count;       /* allocation slow paths */
  size_t           heartbeat_countdown; /* slow paths until the next heartbeat */
  size_t           page_frees;          /* pages given back (throttles purge checks) */
  uint64_t         now_ms;              /* coarse clock, refreshed by housekeeping and purging */
  bool             recurse;             /* in the deferred-free callback */
  bool             is_main;
  uint64_t         rnd[2];              /* per-thread pseudo-random state */
  struct mi_tld_s* next_free;           /* metadata free list */
  void*            subproc;             /* sub-process (NULL: the main one) */
#if MI_SECURE_LARGE_PROTECT
  struct mi_page_s* large_held;         /* secure: the last freed large page, PROT_NONE, kept from reuse (secure.c) */
#endif
  mi_stats_internal_t stats;
  mi_heap_t        backing_storage;     /* the backing heap lives here */
} mi_tld_t;

#endif /* MI_TYPES_H */
