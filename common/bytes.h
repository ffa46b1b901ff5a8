// Byte buffers and big-endian field access, the byte order of the Kafka wire
// format and of every file Cairn writes.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <span>
#include <string_view>
#include <vector>

namespace cairn {

using ByteSpan = std::span<const uint8_t>;
using MutableByteSpan = std::span<uint8_t>;
using Buffer = std::vector<uint8_t>;

// Leaves new elements uninitialised on resize: for buffers that are filled by
// a read right away, where zero-filling first would double the memory
// traffic of the read path.
template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
using ReadBuffer = std::vector<uint8_t, DefaultInitAllocator<uint8_t>>;

inline ByteSpan AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsStringView(ByteSpan b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

template <typename T>
inline T LoadBigEndian(const uint8_t* p) {
  static_assert(std::is_integral_v<T>);
  std::make_unsigned_t<T> v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<decltype(v)>((v << 8) | p[i]);
  return static_cast<T>(v);
}

template <typename T>
inline void StoreBigEndian(uint8_t* p, T value) {
  static_assert(std::is_integral_v<T>);
  auto v = static_cast<std::make_unsigned_t<T>>(value);
  for (size_t i = sizeof(T); i-- > 0;) {
    p[i] = static_cast<uint8_t>(v & 0xff);
    v = static_cast<decltype(v)>(v >> 8);
  }
}

template <typename T>
inline void AppendBigEndian(Buffer& out, T value) {
  uint8_t tmp[sizeof(T)];
  StoreBigEndian(tmp, value);
  out.insert(out.end(), tmp, tmp + sizeof(T));
}

}  // namespace cairn
