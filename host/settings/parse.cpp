// Strict value parsing with one-line errors (parse.hpp).
#include "horizon/parse.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "horizon/config.hpp"
#include "horizon/error.hpp"

namespace horizon {
namespace {

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// Whole-string integer, or nothing.
bool to_int(const std::string& text, std::int64_t* out) {
  if (text.empty() || text.size() > 19) return false;
  for (char ch : text)
    if (ch < '0' || ch > '9') return false;
  *out = std::stoll(text);
  return true;
}

bool to_double(const std::string& text, double* out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  char* end = nullptr;
  errno = 0;
  *out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

}  // namespace

std::int64_t parse_positive_int(const std::string& field, const std::string& text) {
  std::int64_t v = 0;
  if (!to_int(text, &v) || v < 1)
    throw InputError(field, "must be a positive integer (got " + quoted(text) + ")");
  if (v > max_budget)
    throw InputError(field, "too large (got " + text + "; at most " + std::to_string(max_budget) + ")");
  return v;
}

std::uint64_t parse_seed(const std::string& field, const std::string& text) {
  bool digits = !text.empty() && text.size() <= 20 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  errno = 0;
  const unsigned long long v = digits ? std::strtoull(text.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE)
    throw InputError(field, "must be an integer in [0, 2^64) (got " + quoted(text) + ")");
  return v;
}

double parse_positive(const std::string& field, const std::string& text) {
  double v = 0;
  if (!to_double(text, &v)) throw InputError(field, "must be a number (got " + quoted(text) + ")");
  if (!std::isfinite(v) || !(v > 0))
    throw InputError(field, "must be a finite number > 0 (got " + quoted(text) + ")");
  return v;
}

double parse_nonnegative(const std::string& field, const std::string& text) {
  double v = 0;
  if (!to_double(text, &v)) throw InputError(field, "must be a number (got " + quoted(text) + ")");
  if (!std::isfinite(v) || !(v >= 0))
    throw InputError(field, "must be a finite number >= 0 (got " + quoted(text) + ")");
  return v;
}

std::vector<std::int64_t> parse_int_list(const std::string& field, const std::string& text) {
  std::vector<std::int64_t> out;
  if (text.empty()) throw InputError(field, "empty list (expected e.g. 1,2,4 or 1..64*2)");
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    if (item.empty()) throw InputError(field, "empty element in " + quoted(text) + " (expected e.g. 1,2,4)");
    const std::size_t dots = item.find("..");
    if (dots == std::string::npos) {
      out.push_back(parse_positive_int(field, item));
    } else {
      const std::string lo_text = item.substr(0, dots);
      std::string hi_text = item.substr(dots + 2);
      std::int64_t factor = 0;
      const std::size_t star = hi_text.find('*');
      if (star != std::string::npos) {
        factor = parse_positive_int(field, hi_text.substr(star + 1));
        if (factor < 2) throw InputError(field, "geometric factor must be >= 2 (got " + quoted(item) + ")");
        hi_text = hi_text.substr(0, star);
      }
      const std::int64_t lo = parse_positive_int(field, lo_text);
      const std::int64_t hi = parse_positive_int(field, hi_text);
      if (hi < lo) throw InputError(field, "range end below its start (got " + quoted(item) + ")");
      if (factor == 0 && hi - lo > 1000000)
        throw InputError(field, "range has more than a million entries (got " + quoted(item) + ")");
      for (std::int64_t v = lo; v <= hi; v = factor ? v * factor : v + 1) out.push_back(v);
    }
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string join_ints(const std::vector<std::int64_t>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

std::ifstream open_input(const std::string& field, const std::string& path) {
  check_readable(field, path);
  std::ifstream in(path);
  if (!in) throw InputError(field, "cannot read file '" + path + "'");
  return in;
}

void check_readable(const std::string& field, const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw InputError(field, "'" + path + "' is a directory, not a file");
  // open(2) rather than an ifstream, which does not say why it failed.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError(field, "cannot read file '" + path + "': " + std::strerror(errno));
  ::close(fd);
}

}  // namespace horizon
