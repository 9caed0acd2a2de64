// host/io/checked_file: every failed write is an IoError naming the file and
// the OS's reason; an atomic write leaves the old file or the new one.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "horizon/io_error.hpp"
#include "io/checked_file.hpp"
#include "support.hpp"

namespace horizon {
namespace {

std::string message_of(void (*f)()) {
  try {
    f();
  } catch (const IoError& e) {
    return e.what();
  }
  return "";
}

TEST(CheckedFile, AtomicWriteReplacesTheWholeFile) {
  const std::string dir = test::temp_dir("checked_atomic");
  const std::filesystem::path path = dir + "/manifest.json";
  io::write_file_atomically(path, "old\n");
  io::write_file_atomically(path, "new contents\n");
  EXPECT_EQ(test::read_file(path.string()), "new contents\n");
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) entries += e.is_regular_file();
  EXPECT_EQ(entries, 1) << "a temporary file was left behind";
}

TEST(CheckedFile, AFullDeviceIsAnErrorNamingTheFile) {
  const std::string msg = message_of([] {
    io::AppendFile f("/dev/full");
    f.append(std::string(1 << 16, 'x'));
    f.sync();
  });
  EXPECT_NE(msg.find("'/dev/full'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("No space left on device"), std::string::npos) << msg;
}

TEST(CheckedFile, AMissingFolderIsAnErrorAndLeavesNothing) {
  const std::string msg = message_of([] { io::write_file_atomically("/nonexistent-horizon-dir/x.json", "{}"); });
  EXPECT_NE(msg.find("/nonexistent-horizon-dir/x.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
}

TEST(CheckedFile, AppendWritesWholeRows) {
  const std::string dir = test::temp_dir("checked_append");
  const std::filesystem::path path = dir + "/runs.csv";
  {
    io::AppendFile f(path);
    f.append("a,b\n");
    f.append("1,2\n");
    f.sync();
    f.close();
  }
  io::AppendFile again(path);
  again.append("3,4\n");
  again.close();
  EXPECT_EQ(test::read_file(path.string()), "a,b\n1,2\n3,4\n");
}

}  // namespace
}  // namespace horizon
