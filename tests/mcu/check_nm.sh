#!/usr/bin/env bash
# check_nm.sh — a firmware library or image must not need the heap, C++
# exceptions/RTTI, libm or stdio.
#
#   check_nm.sh LIB.a     every symbol the archive's objects need from outside
#                         must be on the allow list (memcpy & co., libgcc's
#                         __aeabi_* helpers); forbidden ones are named by class;
#                         the objects must hold no writable data (no global state).
#   check_nm.sh --elf FW.elf   no heap, exception or stdio code linked into a firmware.
# Prints "ok ..." or "FAIL ..." lines; exits 1 on any failure.
set -uo pipefail
NM=${NM:-arm-none-eabi-nm}
SIZE=${SIZE:-arm-none-eabi-size}

heap='^(_?malloc|calloc|realloc|free|aligned_alloc|posix_memalign|memalign|valloc|_malloc_r|_free_r|_calloc_r|_realloc_r|_memalign_r|_?sbrk|_sbrk_r|_Znw.*|_Zna.*|_Zdl.*|_Zda.*)$'
exceptions='^(__cxa_.*|__gxx_personality.*|_Unwind_.*|__aeabi_unwind_cpp_pr[0-9]|_ZTI.*|_ZTS.*|__dynamic_cast|_ZSt9terminatev|_ZSt[0-9]+__throw_.*)$'
libm='^(sqrt|cbrt|hypot|exp|exp2|expm1|log|log2|log10|log1p|logb|pow|sin|cos|tan|asin|acos|atan|atan2|sinh|cosh|tanh|asinh|acosh|atanh|erf|erfc|lgamma|tgamma|floor|ceil|round|lround|llround|trunc|rint|lrint|nearbyint|fmod|remainder|remquo|fabs|ldexp|frexp|modf|scalbn|ilogb|copysign|nan|fma|fmax|fmin|fdim|sincos)[fl]?$|^__ieee754_.*'
host='^(printf|sprintf|snprintf|vprintf|vsprintf|vsnprintf|fprintf|vfprintf|iprintf|siprintf|fiprintf|puts|putchar|fopen|fclose|fread|fwrite|fflush|fputs|fputc|fseek|ftell|open|close|read|write|abort|exit|_exit|atexit|__aeabi_atexit|__assert_func|rand|srand|time|clock|getentropy|strtod|strtof|strtol|atof|atoi|_impure_ptr|__errno|_reent.*)$'
# libgcc's helpers: ARM's __aeabi_*, and the generic soft-float and integer ones (RISC-V without F or M).
allowed='^(memcpy|memmove|memset|memcmp|strlen|strcmp|strncmp|strchr|__aeabi_.*|__gnu_.*|__(clz|ctz|popcount|ffs|bswap)[sd]i2|__(add|sub|mul|div|neg)[sd]f3|__(eq|ne|lt|le|gt|ge|un|cmp)[sd]f2|__(fix|fixuns)[sd]f[sd]i|__float(un)?[sd]i[sd]f|__extendsfdf2|__truncdfsf2|__(u?div|u?mod|mul)[sd]i3|__(ashl|ashr|lshr)di3)$'

fail=0
if [ "${1:-}" = "--elf" ]; then
  elf=$2
  bad=$($NM "$elf" | awk '{ print $NF }' | grep -E "$heap|$exceptions|$host" | sort -u | tr '\n' ' ')
  if [ -n "$bad" ]; then echo "FAIL $elf links: $bad"; exit 1; fi
  echo "ok $elf: no heap, exception or stdio symbols"
  exit 0
fi

lib=$1
[ -f "$lib" ] || { echo "FAIL $lib: no such file"; exit 1; }
defined=$($NM -g --defined-only "$lib" 2>/dev/null | awk 'NF >= 3 { print $3 }' | sort -u)
needed=$($NM -u "$lib" 2>/dev/null | awk 'NF == 2 && $1 == "U" { print $2 } NF == 1 && $1 !~ /:$/ { print $1 }' | sort -u)
external=$(comm -23 <(echo "$needed") <(echo "$defined") | grep -v '^$')
for class in heap exceptions libm host; do
  hits=$(echo "$external" | grep -E "${!class}" | tr '\n' ' ')
  if [ -n "$hits" ]; then echo "FAIL $lib needs $class symbols: $hits"; fail=1; fi
done
others=$(echo "$external" | grep -vE "$heap|$exceptions|$libm|$host|$allowed" | tr '\n' ' ')
if [ -n "$others" ]; then echo "FAIL $lib needs symbols that are not on the allow list: $others"; fail=1; fi
# Writable data in an object is global state (DESIGN.md: no global state).
state=$($SIZE "$lib" | awk 'NR > 1 && ($2 + $3) > 0 { printf "%s (data %d, bss %d) ", $6, $2, $3 }')
if [ -n "$state" ]; then echo "FAIL $lib has writable data: $state"; fail=1; fi
if [ $fail -eq 0 ]; then
  echo "ok $lib: needs only $(echo "$external" | grep -cE "$allowed") allowed symbols ($(echo "$external" | grep -E '^(mem|str)' | tr '\n' ' ')+ libgcc helpers), no writable data"
fi
exit $fail
