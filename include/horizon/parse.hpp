// horizon/parse.hpp — strict parsing of command-line and config values.
//
// Every failure throws InputError naming the field and quoting the value,
// e.g. "--T: must be a positive integer (got 'abc')".
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace horizon {

std::int64_t parse_positive_int(const std::string& field, const std::string& text);
std::uint64_t parse_seed(const std::string& field, const std::string& text);
double parse_positive(const std::string& field, const std::string& text);  // finite, > 0
double parse_nonnegative(const std::string& field, const std::string& text);  // finite, ≥ 0

// A list of positive integers, sorted ascending without duplicates. Items are
// comma-separated; each is a number, a range "a..b" (every integer), or a
// geometric range "a..b*f" (a, a·f, a·f², … ≤ b, integer f ≥ 2). An empty
// item ("1,,2", "1,2,") is an error.
std::vector<std::int64_t> parse_int_list(const std::string& field, const std::string& text);

// An open stream on a regular, readable file; otherwise InputError naming the
// field and the OS's reason ("cannot read file 'x': No such file or directory",
// "'x' is a directory, not a file").
std::ifstream open_input(const std::string& field, const std::string& path);
// The same checks without keeping the file open.
void check_readable(const std::string& field, const std::string& path);

// "1,2,4" — the inverse of parse_int_list for sorted lists.
std::string join_ints(const std::vector<std::int64_t>& v);

}  // namespace horizon
