#pragma once
// SLUICE_ADDRESS_SANITIZER is 1 in a build under AddressSanitizer, with GCC
// (which defines __SANITIZE_ADDRESS__) and with Clang (which says so only
// through __has_feature): buffers that round their size up for reuse keep
// it exact there, so a read past what was asked for is reported.

#if defined(__SANITIZE_ADDRESS__)
#define SLUICE_ADDRESS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLUICE_ADDRESS_SANITIZER 1
#endif
#endif
#ifndef SLUICE_ADDRESS_SANITIZER
#define SLUICE_ADDRESS_SANITIZER 0
#endif
