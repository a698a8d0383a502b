// Reading a shared data file for the host tests (data_file.h).
#include "data_file.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "harness.h"

#ifndef GL_PROJECT_ROOT
#error "GL_PROJECT_ROOT must name the project root (firmware/host/Makefile sets it)"
#endif

namespace t {

JsonFile::JsonFile(const char* project_path) : tokens_(4096), doc_(tokens_.data(), tokens_.size()) {
  const std::string path = std::string(GL_PROJECT_ROOT) + "/" + project_path;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(__FILE__, __LINE__, "cannot read " + path);
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  text_ = text.str();
  ok_ = doc_.parse(text_);
  if (!ok_) fail(__FILE__, __LINE__, path + ": " + doc_.error());
}

size_t JsonFile::member(size_t obj, std::string_view key) const {
  const int found = ok_ ? doc_.find(obj, key) : -1;
  if (found < 0) {
    fail(__FILE__, __LINE__, "no member \"" + std::string(key) + "\"");
    return obj;
  }
  return static_cast<size_t>(found);
}

bool JsonFile::is(size_t token, gl::JsonType type, const char* what) const {
  if (ok_ && token < doc_.size() && doc_.at(token).type == type) return true;
  fail(__FILE__, __LINE__, std::string("token ") + std::to_string(token) + " is not " + what);
  return false;
}

std::vector<size_t> JsonFile::elements(size_t array) const {
  std::vector<size_t> out;
  if (!is(array, gl::JsonType::Array, "an array")) return out;
  for (size_t i = array + 1; i < doc_.at(array).next; i = doc_.at(i).next) out.push_back(i);
  return out;
}

std::string JsonFile::str(size_t token) const {
  if (!is(token, gl::JsonType::Str, "a string")) return {};
  std::string out(doc_.at(token).len + 1u, '\0');
  size_t len = 0;
  if (!doc_.get_string(token, out.data(), out.size(), &len)) return {};
  out.resize(len);
  return out;
}

double JsonFile::number(size_t token) const {
  if (!is(token, gl::JsonType::Number, "a number")) return std::nan("");
  return std::strtod(std::string(doc_.raw(token)).c_str(), nullptr);
}

bool JsonFile::boolean(size_t token) const {
  if (doc_.at(token).type == gl::JsonType::True) return true;
  is(token, gl::JsonType::False, "a boolean");
  return false;
}

}  // namespace t
