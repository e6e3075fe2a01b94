#include "crypto/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace hearth::crypto {
namespace {

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("hearth-keyfile-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const char* name) { return (dir_ / name).string(); }
  std::filesystem::path dir_;
};

TEST_F(KeyFileTest, WritesPrivateFileAndReadsItBack) {
  auto secret = Secret<32>::Random();
  ASSERT_TRUE(WriteKeyFile(Path("k"), KeyKind::kDeviceSeed, secret));
  struct stat st{};
  ASSERT_EQ(::stat(Path("k").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 49);
  auto back = ReadKeyFile(Path("k"), KeyKind::kDeviceSeed);
  ASSERT_TRUE(back) << back.error();
  EXPECT_TRUE(std::equal(back->data(), back->data() + 32, secret.data()));
}

TEST_F(KeyFileTest, NeverOverwritesAnExistingKey) {
  auto first = Secret<32>::Random();
  ASSERT_TRUE(WriteKeyFile(Path("k"), KeyKind::kDeviceSeed, first));
  auto second = WriteKeyFile(Path("k"), KeyKind::kDeviceSeed, Secret<32>::Random());
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("exists"), std::string::npos) << second.error();
  auto back = ReadKeyFile(Path("k"), KeyKind::kDeviceSeed);
  ASSERT_TRUE(back);
  EXPECT_TRUE(std::equal(back->data(), back->data() + 32, first.data()));
}

TEST_F(KeyFileTest, RefusesFilesOthersCanRead) {
  ASSERT_TRUE(WriteKeyFile(Path("k"), KeyKind::kDeviceSeed, Secret<32>::Random()));
  ::chmod(Path("k").c_str(), 0644);
  auto r = ReadKeyFile(Path("k"), KeyKind::kDeviceSeed);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("chmod 600"), std::string::npos) << r.error();
}

TEST_F(KeyFileTest, ReportsDamageWrongKindAndAbsence) {
  ASSERT_TRUE(WriteKeyFile(Path("k"), KeyKind::kDeviceSeed, Secret<32>::Random()));
  auto wrong = ReadKeyFile(Path("k"), KeyKind::kContentSecret);
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().find("another kind"), std::string::npos);

  for (int at : {0, 8, 20, 45, 48}) {
    std::filesystem::copy_file(Path("k"), Path("d"), std::filesystem::copy_options::overwrite_existing);
    std::fstream f(Path("d"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(at);
    char c = static_cast<char>(f.get());
    f.seekp(at);
    f.put(static_cast<char>(c ^ 0x10));
    f.close();
    ::chmod(Path("d").c_str(), 0600);
    auto r = ReadKeyFile(Path("d"), KeyKind::kDeviceSeed);
    EXPECT_FALSE(r) << "flip at " << at;
  }
  std::filesystem::resize_file(Path("k"), 30);
  EXPECT_FALSE(ReadKeyFile(Path("k"), KeyKind::kDeviceSeed));
  auto missing = ReadKeyFile(Path("none"), KeyKind::kDeviceSeed);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("No such file"), std::string::npos);
}

}  // namespace
}  // namespace hearth::crypto
