/* SPDX-License-Identifier: MIT */
/* vg_uaf.c -- a deliberate use-after-free and overflow of mirt blocks, for valgrind memcheck to report. */
#include <mimalloc.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char** argv) {
  (void)argv;
  volatile char* p = (volatile char*)mi_malloc(64);
  memset((char*)p, 1, 64);
  mi_free((void*)p);
  volatile char c = p[10];                   /* use after free: memcheck reports "Invalid read" */
  char* q = (char*)mi_malloc(32);
  if (argc > 1) q[mi_usable_size(q)] = 1;    /* beyond the block: "Invalid write" */
  mi_free(q);
  char* r = (char*)mi_zalloc(100);
  int sum = 0;
  for (int i = 0; i < 100; i++) sum += r[i]; /* defined: zeroed memory, no report */
  char* u = (char*)mi_malloc(16);
  if (u[3] == 7) sum++;                      /* uninitialised: "Conditional jump ... uninitialised value" */
  mi_free(r);
  mi_free(u);
  printf("done %d %d\n", (int)c, sum);
  return 0;
}
