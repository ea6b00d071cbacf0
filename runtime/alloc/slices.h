/* SPDX-License-Identifier: MIT
 * slices.h -- bitmaps over a segment's 512 slices and the span searches on
 * them (free, resident).  Included by segment.c only.
 */
#ifndef MI_SLICES_H
#define MI_SLICES_H
#include "internal.h"

/* ------------------------------------------------------------------------
   Bitmaps over the 512 slices
------------------------------------------------------------------------ */
static inline bool bit_get(const uint64_t* map, size_t i) { return (map[i >> 6] >> (i & 63)) & 1; }

static inline void bits_set(uint64_t* map, size_t idx, size_t n, bool on) {
  while (n > 0) {
    const size_t w = idx >> 6, b = idx & 63;
    const size_t k = (64 - b < n ? 64 - b : n);
    const uint64_t mask = (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << b;
    if (on) map[w] |= mask; else map[w] &= ~mask;
    idx += k; n -= k;
  }
}

static inline bool bits_all(const uint64_t* map, size_t idx, size_t n) {
  while (n > 0) {
    const size_t w = idx >> 6, b = idx & 63;
    const size_t k = (64 - b < n ? 64 - b : n);
    const uint64_t mask = (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << b;
    if ((map[w] & mask) != mask) return false;
    idx += k; n -= k;
  }
  return true;
}

static inline bool bits_any(const uint64_t* map, size_t idx, size_t n) {
  while (n > 0) {
    const size_t w = idx >> 6, b = idx & 63;
    const size_t k = (64 - b < n ? 64 - b : n);
    const uint64_t mask = (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << b;
    if ((map[w] & mask) != 0) return true;
    idx += k; n -= k;
  }
  return false;
}

static inline size_t bits_count(const uint64_t* map, const uint64_t* and_map, size_t idx, size_t n) {
  size_t c = 0;
  while (n > 0) {
    const size_t w = idx >> 6, b = idx & 63;
    const size_t k = (64 - b < n ? 64 - b : n);
    const uint64_t mask = (k == 64 ? ~0ULL : ((1ULL << k) - 1)) << b;
    c += (size_t)__builtin_popcountll(map[w] & (and_map != NULL ? and_map[w] : ~0ULL) & mask);
    idx += k; n -= k;
  }
  return c;
}

/* Find `n` free slices starting at a multiple of `align`: with `dirty_only`
   only a span whose memory is all resident (no page faults, no RSS growth),
   otherwise the first fit. */
static inline bool segment_find_span(const mi_segment_t* seg, size_t n, size_t align, bool dirty_only, size_t* out) {
  if (seg->used_pages >= MI_SLICE_COUNT) return false;
  if (n == 1) {
    for (size_t w = 0; w < MI_SLICE_MAP_WORDS; w++) {
      uint64_t m = seg->free_map[w];
      if (dirty_only) m &= seg->dirty_map[w];
      if (m != 0) { *out = (w << 6) + (size_t)__builtin_ctzll(m); return true; }
    }
    return false;
  }
  const size_t start = mi_align_up(MI_SEGMENT_FIRST_SLICE, align);
  for (size_t i = start; i + n <= MI_SLICE_COUNT; ) {
    const uint64_t w = seg->free_map[i >> 6] & (dirty_only ? seg->dirty_map[i >> 6] : ~0ULL);
    if ((i & 63) == 0 && w == 0) { i += 64; continue; }
    if (!bit_get(seg->free_map, i) || (dirty_only && !bit_get(seg->dirty_map, i))) { i += align; continue; }
    if (bits_all(seg->free_map, i, n) && (!dirty_only || bits_all(seg->dirty_map, i, n))) { *out = i; return true; }
    i += align;
  }
  return false;
}

/* The free span of `n` slices (start a multiple of `align`) with the most
   resident slices, stopping at a wholly resident one; false if none fits.
   Used when no wholly resident span exists: each resident slice taken is a
   page fault and a zeroed page saved. */
static inline bool segment_find_span_best(const mi_segment_t* seg, size_t n, size_t align, size_t* out, size_t* out_dirty) {
  if (seg->used_pages >= MI_SLICE_COUNT) return false;
  bool found = false;
  const size_t start = mi_align_up(MI_SEGMENT_FIRST_SLICE, align);
  for (size_t i = start; i + n <= MI_SLICE_COUNT; i += align) {
    if (!bit_get(seg->free_map, i) || !bits_all(seg->free_map, i, n)) continue;
    const size_t d = bits_count(seg->dirty_map, NULL, i, n);
    if (!found || d > *out_dirty) {
      found = true; *out = i; *out_dirty = d;
      if (d == n) break;
    }
  }
  return found;
}

#endif /* MI_SLICES_H */
