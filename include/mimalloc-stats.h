/* SPDX-License-Identifier: MIT
 * mimalloc-stats.h -- statistics as a versioned struct and as JSON
 * (mimalloc v2 API: mi_stats_get, mi_stats_get_json).
 */
#ifndef MIMALLOC_STATS_H
#define MIMALLOC_STATS_H

#include <mimalloc.h>
#include <stdint.h>

#define MI_STAT_VERSION   4      /* bumped when mi_stats_t changes */
#define MI_STAT_BIN_COUNT 74     /* size bins reported (bins beyond mirt's are zero) */

/* An amount that goes up and down: total added, highest and current level. */
typedef struct mi_stat_count_s {
  int64_t total;
  int64_t peak;
  int64_t current;
} mi_stat_count_t;

/* An amount that only goes up. */
typedef struct mi_stat_counter_s {
  int64_t total;
} mi_stat_counter_t;

typedef struct mi_stats_s {
  size_t size;                        /* set by the caller: sizeof(mi_stats_t) */
  size_t version;                     /* set by the caller: MI_STAT_VERSION */

  /* memory (bytes) */
  mi_stat_count_t reserved;           /* address space reserved from the OS */
  mi_stat_count_t committed;          /* address space in use or not yet purged */
  mi_stat_count_t purged;             /* total: bytes given back with madvise */
  mi_stat_count_t malloc_normal;      /* live bytes in small and medium blocks (block sizes) */
  mi_stat_count_t malloc_huge;        /* live bytes in large and huge blocks */
  mi_stat_count_t malloc_blocks;      /* live blocks (all sizes) */
  /* structures */
  mi_stat_count_t segments;
  mi_stat_count_t pages;
  mi_stat_count_t pages_abandoned;
  mi_stat_count_t threads;
  mi_stat_count_t heaps;
  /* events */
  mi_stat_counter_t mmap_calls;
  mi_stat_counter_t purge_calls;
  mi_stat_counter_t page_searches;
  mi_stat_counter_t pages_extended;
  mi_stat_counter_t pages_retired;
  mi_stat_counter_t pages_reclaimed;
  mi_stat_counter_t segments_abandoned;
  mi_stat_counter_t segments_reclaimed;
  mi_stat_counter_t generic_calls;    /* allocation slow paths */
  mi_stat_counter_t heartbeats;       /* deferred-free callback calls */
  mi_stat_counter_t notifications;    /* full pages handed back by remote frees */
  mi_stat_counter_t large_allocs;
  mi_stat_counter_t huge_allocs;

  /* per size bin (index: mirt's bin, see mi_good_size) */
  mi_stat_count_t page_bins[MI_STAT_BIN_COUNT];   /* pages in use per bin */
} mi_stats_t;

/* Declare and initialise a stats struct for mi_stats_get. */
#define mi_stats_t_decl(name)  mi_stats_t name = { 0 }; name.size = sizeof(mi_stats_t); name.version = MI_STAT_VERSION;

#ifdef __cplusplus
extern "C" {
#endif

/* Fill `stats` (whose size and version the caller set) with the process statistics; live counts are exact for the calling thread and abandoned memory. */
mi_decl_export void mi_stats_get(mi_stats_t* stats) mi_attr_noexcept;
/* The process statistics as JSON: into `buf` (truncated to `buf_size`) or, if `buf` is NULL, a new string to free with mi_free. */
mi_decl_export char* mi_stats_get_json(size_t buf_size, char* buf) mi_attr_noexcept;

#ifdef __cplusplus
}
#endif

#endif /* MIMALLOC_STATS_H */
