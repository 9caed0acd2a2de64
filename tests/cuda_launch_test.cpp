// Every kernel launch goes through kernels/launch.hpp: the shared-memory
// opt-in rule (static + dynamic > 48 KiB, not dynamic alone: the diagonal
// kernel's block-sized groups with K·d = 3072 noise draws per step need it),
// the sync-check switch, and, on a device, an error that names the kernel.
#if HORIZON_HAS_CUDA

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "horizon/devices.hpp"
#include "kernels/cuda_check.hpp"
#include "kernels/launch.hpp"
#include "kernels/launch_probe.hpp"

namespace horizon {
namespace {

TEST(CudaLaunch, SharedMemoryOptInLooksAtStaticPlusDynamic) {
  constexpr std::size_t KiB = 1024;
  EXPECT_FALSE(cuda::needs_shared_opt_in(0, 48 * KiB));
  EXPECT_TRUE(cuda::needs_shared_opt_in(0, 48 * KiB + 1));
  EXPECT_FALSE(cuda::needs_shared_opt_in(16 * KiB, 32 * KiB));
  // The old rule (dynamic > 48 KiB) missed these: the sum is over the limit.
  EXPECT_TRUE(cuda::needs_shared_opt_in(64, 48 * KiB));
  EXPECT_TRUE(cuda::needs_shared_opt_in(2 * KiB, 47 * KiB));
}

TEST(CudaLaunch, DynamicSharedMemoryIsAskedForInSixteenByteUnits) {
  EXPECT_EQ(cuda::shared_launch_bytes(0), 0u);
  EXPECT_EQ(cuda::shared_launch_bytes(8), 16u);  // K = 1 weights of the GEMM update
  EXPECT_EQ(cuda::shared_launch_bytes(16), 16u);
  EXPECT_EQ(cuda::shared_launch_bytes(24), 32u);
  EXPECT_EQ(cuda::shared_launch_bytes(48 * 1024), 48u * 1024);
}

TEST(CudaLaunch, SyncChecksFollowTheEnvironmentValue) {
  EXPECT_FALSE(cuda::sync_checks_requested(nullptr));
  EXPECT_FALSE(cuda::sync_checks_requested(""));
  EXPECT_FALSE(cuda::sync_checks_requested("0"));
  EXPECT_TRUE(cuda::sync_checks_requested("1"));
  EXPECT_TRUE(cuda::sync_checks_requested("yes"));
}

TEST(CudaLaunch, GoodLaunchesRunEveryThread) {
  std::string why;
  if (cuda_devices(&why).empty()) GTEST_SKIP() << why;
  EXPECT_EQ(cuda::launch_probe(64, 0), 64);
  EXPECT_EQ(cuda::launch_probe(32, 8), 32);          // rounded up to 16 bytes
  EXPECT_EQ(cuda::launch_probe(32, 60 * 1024), 32);  // opts in past 48 KiB
}

// The refused launch is an API error that compute-sanitizer counts, so the
// sanitizer runs of scripts/gpu-check leave this test out.
TEST(CudaLaunch, ABadLaunchNamesItsKernel) {
  std::string why;
  if (cuda_devices(&why).empty()) GTEST_SKIP() << why;
  try {
    cuda::launch_probe(4096, 0);  // more threads than a block may have
    FAIL() << "a 4096-thread block was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("launch_probe_kernel"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace horizon

#endif  // HORIZON_HAS_CUDA
