/* SPDX-License-Identifier: MIT
 * report.c -- statistics assembled from every layer: mi_stats_get and
 * mi_stats_get_json.  Live blocks are counted by walking pages (the fast
 * paths keep no counters): exact for the calling thread's heaps and for
 * abandoned memory (and, in secure builds, the live zero-size slots, which
 * belong to no page); other running threads are represented by the totals
 * they merged so far.
 */
#include "internal.h"

static bool live_visit_abandoned(mi_segment_t* seg, void* arg) {
  _mi_segment_live_count(seg, (mi_live_t*)arg);
  return true;
}

static void stats_collect(mi_stats_t* out) {
  mi_live_t live = { 0, 0, 0 };
  mi_heap_t* heap = mi_heap_get_default_inline();
  if (mi_heap_is_initialized(heap)) {
    for (mi_heap_t* h = heap->tld->heaps; h != NULL; h = h->next) _mi_heap_live_count(h, &live);
  }
  _mi_segment_abandoned_visit(MI_SUBPROC_ANY, &live_visit_abandoned, &live);
#if MI_SECURE_ZERO_REGION
  live.blocks += _mi_zero_live_count();   /* secure malloc(0) slots belong to no page: counted process-wide */
#endif
  mi_stats_internal_t totals;
  _mi_stats_snapshot(&totals);
  _mi_stats_to_public(&totals, &live, out);
}

void mi_stats_get(mi_stats_t* stats) {
  if (stats == NULL) return;
  if (stats->version != MI_STAT_VERSION || stats->size < offsetof(mi_stats_t, page_bins)) {
    _mi_warning_message("mi_stats_get: caller's mi_stats_t has size %zu, version %zu (expected %zu, %d)\n",
                        stats->size, stats->version, sizeof(mi_stats_t), MI_STAT_VERSION);
    return;
  }
  mi_stats_t full;
  full.size = sizeof(full);
  full.version = MI_STAT_VERSION;
  stats_collect(&full);
  const size_t n = (stats->size < sizeof(full) ? stats->size : sizeof(full));
  const size_t caller_size = stats->size;
  memcpy(stats, &full, n);
  stats->size = caller_size;
}

char* mi_stats_get_json(size_t buf_size, char* buf) {
  mi_stats_t_decl(st);
  mi_stats_get(&st);
  if (buf != NULL) {
    if (buf_size == 0) return buf;
    _mi_stats_json(&st, buf, buf_size);
    return buf;
  }
  const size_t need = _mi_stats_json(&st, NULL, 0) + 1;
  char* s = (char*)mi_malloc(need + 256);   /* room for numbers that grew in between */
  if (s == NULL) return NULL;
  _mi_stats_json(&st, s, need + 256);
  return s;
}
