# mirt_check_atomic_ops.m4 -- prove the libatomic_ops primitives mirt uses are lock-free.
#
# MIRT_CHECK_ATOMIC_OPS_LOCK_FREE
# -------------------------------
# Links a program that uses every AO_ operation of runtime/alloc/atomic.h
# *without* -latomic_ops.  On a target where an operation is emulated with
# locks, the emulation lives in the archive, so the link fails and configure
# stops: an allocator fast path must never take a hidden lock.
AC_DEFUN([MIRT_CHECK_ATOMIC_OPS_LOCK_FREE], [
  AC_MSG_CHECKING([whether the libatomic_ops primitives are lock-free])
  mirt_save_CFLAGS=$CFLAGS
  mirt_save_LIBS=$LIBS
  CFLAGS="$CFLAGS $ATOMIC_OPS_CFLAGS"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[
#define AO_REQUIRE_CAS
#include <atomic_ops.h>
#if !defined(AO_HAVE_compare_and_swap_full) || !defined(AO_HAVE_compare_and_swap_release) \
 || !defined(AO_HAVE_compare_and_swap_acquire) || !defined(AO_HAVE_fetch_compare_and_swap_full) \
 || !defined(AO_HAVE_fetch_and_add) || !defined(AO_HAVE_fetch_and_add_full) \
 || !defined(AO_HAVE_load_acquire) || !defined(AO_HAVE_store_release) \
 || !defined(AO_HAVE_nop_full) || !defined(AO_HAVE_int_fetch_and_add_full) \
 || !defined(AO_HAVE_int_load) || !defined(AO_HAVE_int_store_release)
# error "a required primitive is missing"
#endif
static volatile AO_t w;
static volatile unsigned int iw;
]], [[
  AO_t v = AO_load_acquire(&w);
  AO_store_release(&w, v + 1);
  (void)AO_compare_and_swap_full(&w, 1, 2);
  (void)AO_compare_and_swap_release(&w, 2, 3);
  (void)AO_compare_and_swap_acquire(&w, 3, 4);
  (void)AO_fetch_compare_and_swap_full(&w, 4, 5);
  (void)AO_fetch_and_add(&w, 1);
  (void)AO_fetch_and_add_full(&w, 1);
  (void)AO_int_fetch_and_add_full(&iw, 1);
  AO_int_store_release(&iw, AO_int_load(&iw));
  AO_nop_full();
]])],
  [AC_MSG_RESULT([yes])],
  [AC_MSG_RESULT([no])
   AC_MSG_ERROR([libatomic_ops would emulate a primitive mirt needs with a lock on $host])])
  CFLAGS=$mirt_save_CFLAGS
  LIBS=$mirt_save_LIBS
])
