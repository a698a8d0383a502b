// Fixed-size FIFO queues: whole messages (length-prefixed in a byte ring) and a text stream.
// When full, the oldest content is dropped so the newest state always gets through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace gl {

template <size_t N>
class ByteRing {
 public:
  size_t size() const { return len_; }
  size_t space() const { return N - len_; }
  void clear() { head_ = len_ = 0; }
  void push(char c) {
    buf_[(head_ + len_) % N] = c;
    ++len_;
  }
  char at(size_t i) const { return buf_[(head_ + i) % N]; }
  void drop(size_t n) {
    head_ = (head_ + n) % N;
    len_ -= n;
  }

 private:
  char buf_[N] = {};
  size_t head_ = 0;
  size_t len_ = 0;
};

template <size_t N>
class MessageQueue {
 public:
  static constexpr size_t kMaxMessage = N / 2;

  // False (and nothing queued) only for a message longer than kMaxMessage.
  bool push(std::string_view msg) {
    if (msg.size() > kMaxMessage) return false;
    while (ring_.space() < msg.size() + 2) drop_oldest();
    ring_.push(static_cast<char>(msg.size() & 0xff));
    ring_.push(static_cast<char>(msg.size() >> 8));
    for (char c : msg) ring_.push(c);
    ++count_;
    return true;
  }
  // One message made of `head`, a space and `tail` (`head` alone when `tail` is empty),
  // without a copy on the caller's stack.
  bool push(std::string_view head, std::string_view tail) {
    const size_t n = head.size() + (tail.empty() ? 0 : 1 + tail.size());
    if (n > kMaxMessage) return false;
    while (ring_.space() < n + 2) drop_oldest();
    ring_.push(static_cast<char>(n & 0xff));
    ring_.push(static_cast<char>(n >> 8));
    for (char c : head) ring_.push(c);
    if (!tail.empty()) {
      ring_.push(' ');
      for (char c : tail) ring_.push(c);
    }
    ++count_;
    return true;
  }
  // True when `n` bytes fit without dropping anything.
  bool fits(size_t n) const { return ring_.space() >= n + 2; }
  size_t count() const { return count_; }
  size_t dropped() const { return dropped_; }
  size_t front_size() const {
    return static_cast<size_t>(static_cast<uint8_t>(ring_.at(0))) |
           static_cast<size_t>(static_cast<uint8_t>(ring_.at(1))) << 8;
  }
  // The C API convention: length written, 0 when empty, -(needed + 1) when cap is too small.
  int pop(char* out, size_t cap) {
    if (count_ == 0) return 0;
    const size_t n = front_size();
    if (n + 1 > cap) return -static_cast<int>(n + 1);
    for (size_t i = 0; i < n; ++i) out[i] = ring_.at(i + 2);
    out[n] = '\0';
    ring_.drop(n + 2);
    --count_;
    return static_cast<int>(n);
  }
  void clear() {
    ring_.clear();
    count_ = 0;
  }

 private:
  void drop_oldest() {
    ring_.drop(front_size() + 2);
    --count_;
    ++dropped_;
  }
  ByteRing<N> ring_;
  size_t count_ = 0;
  size_t dropped_ = 0;
};

template <size_t N>
class TextStream {
 public:
  // Appends; when full the oldest characters go (a UART that nobody reads loses them too).
  void write(std::string_view s) {
    for (char c : s) {
      if (ring_.space() == 0) ring_.drop(1);
      ring_.push(c);
    }
  }
  size_t size() const { return ring_.size(); }
  int read(char* out, size_t cap) {
    const size_t n = ring_.size();
    if (n == 0) return 0;
    if (n + 1 > cap) return -static_cast<int>(n + 1);
    for (size_t i = 0; i < n; ++i) out[i] = ring_.at(i);
    out[n] = '\0';
    ring_.drop(n);
    return static_cast<int>(n);
  }

 private:
  ByteRing<N> ring_;
};

}  // namespace gl
