/* For the Windows smoke run under wine only (scripts/cross/verify-all.sh): Wine 8 has no
 * bcryptprimitives.dll, and Rust's std on Windows takes its random bytes from that DLL's
 * ProcessPrng (Windows 10 and later ship it). This stand-in answers with RtlGenRandom
 * (advapi32's SystemFunction036), which wine has. Never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE out, SIZE_T length) {
  const SIZE_T step = 1u << 30; /* RtlGenRandom takes a ULONG length */
  for (; length > step; out += step, length -= step) {
    if (!SystemFunction036(out, (ULONG)step)) return FALSE;
  }
  return SystemFunction036(out, (ULONG)length);
}
