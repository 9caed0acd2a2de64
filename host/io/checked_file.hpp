// Writes that cannot fail silently. Every write, flush, fsync and close is
// checked; a failure throws IoError naming the file and strerror(errno).
//
//   write_file_atomically(path, text)   text to path.tmp.<pid>, fsync, rename over
//                                       path, fsync the folder: readers see the
//                                       old file or the new one, never a part
//   AppendFile f(path); f.append(rows); whole rows with one write() each
//   f.sync();                           (looping over short writes), fsync on sync()
#pragma once

#include <filesystem>
#include <string>

namespace horizon {
namespace io {

void write_file_atomically(const std::filesystem::path& path, const std::string& text);

class AppendFile {
 public:
  explicit AppendFile(const std::filesystem::path& path);  // creates it when missing
  ~AppendFile();                                          // closes; errors there are ignored
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  void append(const std::string& text);  // all of it, or IoError
  void sync();                           // fsync, or IoError
  void close();                          // checked close
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace io
}  // namespace horizon
