# mirt_sanitizers.m4 -- --enable-asan / --enable-ubsan / --enable-tsan.
#
# MIRT_SANITIZERS
# ---------------
# Each switch adds its -fsanitize flag to SANITIZER_CFLAGS/SANITIZER_LDFLAGS
# after probing it with -Werror (clang accepts unknown flags otherwise).
# Sets mirt_sanitizer=yes when any is on: a malloc override is bypassed by
# the sanitizers' own interceptors, so such builds test libmirt only.
AC_DEFUN([MIRT_SANITIZERS], [
  mirt_sanitizer=no
  mirt_sanitizer_flags=
  AC_ARG_ENABLE([asan],
    [AS_HELP_STRING([--enable-asan], [build with AddressSanitizer (tests use libmirt)])],
    [], [enable_asan=no])
  AC_ARG_ENABLE([ubsan],
    [AS_HELP_STRING([--enable-ubsan], [build with UndefinedBehaviorSanitizer])],
    [], [enable_ubsan=no])
  AC_ARG_ENABLE([tsan],
    [AS_HELP_STRING([--enable-tsan], [build with ThreadSanitizer (tests use libmirt)])],
    [], [enable_tsan=no])
  AS_IF([test "x$enable_asan" = xyes],
    [AX_CHECK_COMPILE_FLAG([-fsanitize=address],
       [mirt_sanitizer_flags="$mirt_sanitizer_flags -fsanitize=address"],
       [AC_MSG_ERROR([the compiler does not support -fsanitize=address])], [-Werror])])
  AS_IF([test "x$enable_ubsan" = xyes],
    [AX_CHECK_COMPILE_FLAG([-fsanitize=undefined],
       [mirt_sanitizer_flags="$mirt_sanitizer_flags -fsanitize=undefined -fno-sanitize-recover=undefined"],
       [AC_MSG_ERROR([the compiler does not support -fsanitize=undefined])], [-Werror])])
  AS_IF([test "x$enable_tsan" = xyes],
    [AX_CHECK_COMPILE_FLAG([-fsanitize=thread],
       [mirt_sanitizer_flags="$mirt_sanitizer_flags -fsanitize=thread"
        AC_DEFINE([MI_TSAN], [1], [Built with ThreadSanitizer])],
       [AC_MSG_ERROR([the compiler does not support -fsanitize=thread])], [-Werror])])
  AS_IF([test -n "$mirt_sanitizer_flags"],
    [mirt_sanitizer=yes
     SANITIZER_CFLAGS="$mirt_sanitizer_flags -fno-omit-frame-pointer -g"
     SANITIZER_LDFLAGS="$mirt_sanitizer_flags"])
  AS_IF([test "x$enable_asan" = xyes],
    [AC_DEFINE([MI_ASAN], [1], [Built with AddressSanitizer])])
  AC_SUBST([SANITIZER_CFLAGS])
  AC_SUBST([SANITIZER_LDFLAGS])
])
