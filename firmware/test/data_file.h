// The project's shared data files (tests/data/frame_cases.json, cdn/static/commands.json),
// read by the host tests with the core's own JSON reader, so that C++, Python and JS run
// the same table. Paths are relative to the project root (GL_PROJECT_ROOT, set by the
// Makefile). A file that is missing or not valid JSON fails the test that reads it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gl_json.h"

namespace t {

class JsonFile {
 public:
  explicit JsonFile(const char* project_path);
  bool ok() const { return ok_; }
  // The value of `key` in object token `obj` (0 is the root). When it is absent the test
  // fails and `obj` itself is returned, which the typed readers below then refuse.
  size_t member(size_t obj, std::string_view key) const;
  // Typed readers: a token of another type fails the test and reads as {}, "", NaN, false.
  std::vector<size_t> elements(size_t array) const;
  std::string str(size_t token) const;
  double number(size_t token) const;
  bool boolean(size_t token) const;

 private:
  bool is(size_t token, gl::JsonType type, const char* what) const;

  std::string text_;
  std::vector<gl::JsonToken> tokens_;
  gl::JsonDoc doc_;
  bool ok_ = false;
};

}  // namespace t
