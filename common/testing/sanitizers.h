// Whether this build runs under AddressSanitizer or ThreadSanitizer. A few
// tests cannot run there (the runtime brings its own allocator and needs
// descriptors of its own); they skip with doctest::skip(kSanitized), and
// scripts/test.sh runs them in the optimised build.
#pragma once

namespace cairn::testing {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace cairn::testing
