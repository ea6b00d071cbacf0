/* SPDX-License-Identifier: MIT */
/* c12_interior_sweep.c -- C12: every interior offset of live blocks, next to free and live neighbours and at the end of a page, is reported (S). */
#include "bad.h"

/* The secure free fast path takes a pointer as a block start when the word
   one block size further on (the would-be canary) holds the canary of that
   address.  This sweeps the pointers that could fool it: every offset of a
   block whose right neighbour is free and alone in its page's list (the
   neighbour's first word then holds the encoded NULL link), and offsets 8
   and 16 of every block of a full page (the last block's would-be canary
   lies past the block area, next to the guard page).  Each must call the
   error hook once with EINVAL and leave the heap intact. */

static int failures;
static void expect_einval(const char* what, void* p, size_t off) {
  if (bad_hook_calls != 1 || bad_hook_last != EINVAL) {
    if (failures < 10) bad_say("%s: free(%p + %zu): hook calls %d, last code %d (want one EINVAL)", what, p, off, bad_hook_calls, bad_hook_last);
    failures++;
  }
  bad_hook_reset();
}

#define NBLOCKS 400

/* One size class: `size` bytes requested, blocks `stride` bytes apart. */
static void sweep(size_t size) {
  static char* blk[NBLOCKS];
  for (int i = 0; i < NBLOCKS; i++) {
    blk[i] = x_malloc(size);
    CHECK(blk[i] != NULL, "malloc(%zu) failed", size);
    memset(blk[i], (i & 1) ? 0xff : 0x00, size);
  }
  qsort(blk, NBLOCKS, sizeof blk[0], bad_by_address);
  /* the block size: the smallest gap between neighbours */
  size_t stride = SIZE_MAX;
  for (int i = 1; i < NBLOCKS; i++) {
    const size_t d = (size_t)(blk[i] - blk[i - 1]);
    if (d < stride) stride = d;
  }
  CHECK(stride >= size && stride < 2 * size + 64, "size %zu: block stride %zu", size, stride);

  /* offsets 8 and 16 (16-aligned and not) of every block, all live */
  for (int i = 0; i < NBLOCKS; i++) {
    x_free(blk[i] + 8);
    expect_einval("all live", blk[i], 8);
    x_free(blk[i] + 16);
    expect_einval("all live", blk[i], 16);
  }

  /* a block p whose right neighbour q is the only free block of its list */
  int k = -1;
  for (int i = 0; i + 1 < NBLOCKS && k < 0; i++)
    if ((size_t)(blk[i + 1] - blk[i]) == stride) k = i;
  CHECK(k >= 0, "size %zu: no two adjacent blocks", size);
  char* p = blk[k];
  char* q = blk[k + 1];
  x_free(q);
  CHECK(bad_hook_calls == 0, "size %zu: free of a live block called the hook (code %d)", size, bad_hook_last);
  for (size_t off = 1; off < stride; off++) {
    x_free(p + off);
    expect_einval("free neighbour", p, off);
  }

  /* the heap is intact: p frees normally, and everything comes back */
  x_free(p);
  CHECK(bad_hook_calls == 0, "size %zu: free(p) after the sweep called the hook (code %d)", size, bad_hook_last);
  for (int i = 0; i < NBLOCKS; i++)
    if (i != k && i != k + 1) x_free(blk[i]);
  CHECK(bad_hook_calls == 0, "size %zu: freeing the blocks called the hook (code %d)", size, bad_hook_last);
  for (int i = 0; i < NBLOCKS; i++) {
    blk[i] = x_malloc(size);
    CHECK(blk[i] != NULL, "malloc(%zu) failed after the sweep", size);
    memset(blk[i], 0x5a, size);
  }
  for (int i = 0; i < NBLOCKS; i++) x_free(blk[i]);
  CHECK(bad_hook_calls == 0, "size %zu: reuse after the sweep called the hook (code %d)", size, bad_hook_last);
}

int main(int argc, char** argv) {
  bad_init(argc, argv);
  if (!bad_secure() || !bad_hook_set(true)) {
    /* the default build does not look at interior pointers of small blocks */
    bad_say("not the secure build with mi_register_error: nothing to test");
    return 0;
  }
  /* 48 and 232: common classes; 1016: blocks of 1 KiB, 60 of which end
     exactly at a page's guard */
  const size_t sizes[] = { 48, 232, 1016 };
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) sweep(sizes[i]);
  bad_hook_set(false);
  CHECK(failures == 0, "%d interior frees were not reported as EINVAL", failures);
  bad_say("interior sweep: every interior free reported");
  return 0;
}
