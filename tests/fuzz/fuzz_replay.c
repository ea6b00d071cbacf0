/* SPDX-License-Identifier: MIT */
/* fuzz_replay.c -- main() for the fuzz harness without libFuzzer: runs each file (or every file of each directory) given, default $top_srcdir/tests/fuzz/corpus. */
#define _POSIX_C_SOURCE 200809L   /* scandir, alphasort */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
  fprintf(stderr, "%s\n", path);   /* in the log: the input that crashed, if one does */
  FILE *f = fopen(path, "rb");
  if (f == NULL) { perror(path); return 1; }
  static uint8_t buf[1 << 20];
  const size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  LLVMFuzzerTestOneInput(buf, n);
  return 0;
}

static int replay(const char *path, int *count)
{
  struct stat st;
  if (stat(path, &st) != 0) { perror(path); return 1; }
  if (!S_ISDIR(st.st_mode)) { (*count)++; return replay_file(path); }
  struct dirent **names;
  const int n = scandir(path, &names, NULL, alphasort);
  if (n < 0) { perror(path); return 1; }
  int bad = 0;
  for (int i = 0; i < n; i++) {
    if (names[i]->d_name[0] != '.') {
      char full[4096];
      snprintf(full, sizeof full, "%s/%s", path, names[i]->d_name);
      bad |= replay(full, count);
    }
    free(names[i]);
  }
  free(names);
  return bad;
}

int main(int argc, char **argv)
{
  char def[4096];
  const char *srcdir = getenv("top_srcdir");
  snprintf(def, sizeof def, "%s/tests/fuzz/corpus", srcdir ? srcdir : ".");
  int count = 0, bad = 0;
  if (argc < 2) bad = replay(def, &count);
  for (int i = 1; i < argc; i++) bad |= replay(argv[i], &count);
  printf("fuzz_alloc: replayed %d inputs%s\n", count, bad ? " (some could not be read)" : ", all checks passed");
  return bad || count == 0 ? 1 : 0;
}
