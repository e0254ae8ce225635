/* Test fixture for tests/windows/wine.sh, never shipped: Wine 8 has no bcryptprimitives.dll, and Rust's std (1.78+)
 * imports ProcessPrng from it, so a Windows build of ebid-host exits at load with status 53 under Wine 8. This
 * stand-in exports ProcessPrng and forwards to RtlGenRandom (advapi32's SystemFunction036), which Wine has.
 * Built with mingw by the test and copied into the throwaway prefix's system32. Real Windows (10 and later) has the
 * real DLL. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
