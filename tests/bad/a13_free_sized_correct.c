/* SPDX-License-Identifier: MIT */
/* a13_free_sized_correct.c -- A13: C23 free_sized / free_aligned_sized and sized operator delete with the right size and alignment free the block (no report), in every size range. */
#include "bad.h"

typedef void (*sized_fn)(void*, size_t);
typedef void (*aligned_sized_fn)(void*, size_t, size_t);

static const size_t sizes[] = { 0, 1, 8, 15, 16, 17, 24, 100, 128, 129, 1000, 1016, 1024, 5000, 8192,
                                60000, 70000, 256 * 1024, 1 << 20, 40u << 20 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

/* Each round frees every block it allocates: if the sized frees did not
   free, 50 rounds would map over 600 MB; freed, the peak stays near one round. */
int main(int argc, char** argv) {
  bad_init(argc, argv);
  sized_fn fs = (sized_fn)bad_sym("free_sized");
  aligned_sized_fn fas = (aligned_sized_fn)bad_sym("free_aligned_sized");
  void* (*op_new)(size_t) = (void* (*)(size_t))bad_sym("_Znwm");
  void (*op_del)(void*, size_t) = (void (*)(void*, size_t))bad_sym("_ZdlPvm");
  void* (*op_new_al)(size_t, size_t) = (void* (*)(size_t, size_t))bad_sym("_ZnwmSt11align_val_t");
  void (*op_del_al)(void*, size_t, size_t) = (void (*)(void*, size_t, size_t))bad_sym("_ZdlPvmSt11align_val_t");
  if (fs == NULL || fas == NULL) {
    bad_say("no free_sized/free_aligned_sized in this process (glibc 2.36 has none): nothing to test");
    return 0;
  }
  for (int round = 0; round < 50; round++) {
    for (size_t i = 0; i < NSIZES; i++) {
      const size_t n = sizes[i];
      if (n > (1u << 20) && round > 0) continue;   /* huge blocks: once */
      char* p = x_malloc(n);
      CHECK(p != NULL, "malloc(%zu) failed", n);
      if (n > 0) { p[0] = 1; p[n - 1] = 2; }
      fs(p, n);
      p = x_calloc(1, n);
      CHECK(p != NULL, "calloc(1, %zu) failed", n);
      fs(p, n);
      /* realloc keeps a block that shrinks by at most half: the new size is the one to pass */
      p = x_malloc(n + 64);
      CHECK(p != NULL, "malloc(%zu) failed", n + 64);
      char* q = x_realloc(p, n / 2 + 33);
      CHECK(q != NULL, "realloc(%zu) failed", n / 2 + 33);
      fs(q, n / 2 + 33);
      for (size_t al = 16; al <= 4096; al *= 4) {
        const size_t m = (n + al - 1) / al * al;   /* aligned_alloc: a multiple of the alignment */
        if (m == 0) continue;
        p = x_aligned_alloc(al, m);
        CHECK(p != NULL && ((uintptr_t)p & (al - 1)) == 0, "aligned_alloc(%zu, %zu) gave %p", al, m, (void*)p);
        fas(p, al, m);
      }
      if (op_new != NULL && op_del != NULL && n > 0) {
        p = op_new(n);
        op_del(p, n);
      }
      if (op_new_al != NULL && op_del_al != NULL && n > 0) {
        p = op_new_al(n, 256);
        op_del_al(p, n, 256);
      }
    }
    fs(NULL, 8);
    fas(NULL, 64, 64);
  }
  FILE* f = fopen("/proc/self/status", "r");
  if (f != NULL) {
    char line[256];
    long hwm = -1;
    while (fgets(line, sizeof line, f) != NULL) {
      if (strncmp(line, "VmPeak:", 7) == 0) hwm = strtol(line + 7, NULL, 10);
    }
    fclose(f);
    CHECK(hwm < 0 || hwm < 512L * 1024, "peak mapped size %ld KiB: the sized frees did not free", hwm);
  }
  return 0;
}
