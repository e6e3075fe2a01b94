// The codec module's loader: a module that is missing, not a shared object,
// or from something else entirely is a clear error, never a crash; the real
// one loads and works.
#include <dlfcn.h>

#include <fstream>

#include <gtest/gtest.h>
#include <sodium.h>

#include "node/media/codecs.h"
#include "tests/support/temp_dir.h"

namespace hearth::media {
namespace {

using hearth::testing::TempDir;

TEST(CodecsTest, AMissingModuleIsNotFound) {
  TempDir dir;
  std::string detail;
  auto m = LoadCodecModule(dir.path() + "/libhearth_codec.so", &detail);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), CodecsError::kNotFound);
  EXPECT_EQ(detail, "no such file");
}

TEST(CodecsTest, AFileThatIsNotASharedObjectIsNotLoadable) {
  TempDir dir;
  const std::string path = dir.path() + "/libhearth_codec.so";
  std::ofstream(path) << "this is not an ELF file\n";
  std::string detail;
  auto m = LoadCodecModule(path, &detail);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), CodecsError::kNotLoadable);
  EXPECT_NE(detail.find("libhearth_codec.so"), std::string::npos) << detail;
}

TEST(CodecsTest, ASharedObjectWithoutTheCodecTableIsRefused) {
  // libsodium is a real shared object in this process, with no codec table.
  Dl_info info{};
  ASSERT_NE(dladdr(reinterpret_cast<void*>(&sodium_init), &info), 0);
  ASSERT_NE(info.dli_fname, nullptr);
  std::string detail;
  auto m = LoadCodecModule(info.dli_fname, &detail);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), CodecsError::kWrongAbi);
  EXPECT_EQ(detail, "it has no codec table");
}

TEST(CodecsTest, TheBuiltModuleLoadsOnceAndProbes) {
  auto first = Codecs();
  ASSERT_TRUE(first) << CodecsErrorText(first.error());
  EXPECT_TRUE(CodecsLoaded());
  auto again = Codecs();
  ASSERT_TRUE(again);
  EXPECT_EQ(*first, *again);
  EXPECT_EQ((*first)->abi, kCodecAbi);
  const std::string text = "plain text, not audio";
  auto probe = (*first)->probe_audio(ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  ASSERT_FALSE(probe);
  EXPECT_NE(probe.error().find("not an audio file"), std::string::npos) << probe.error();
}

}  // namespace
}  // namespace hearth::media
