// The gradient noise drawn on the GPU (kernels/noise_probe.cu, through
// scaled_noise_quad) equals the CPU's bit for bit (horizon/rng.hpp: only
// correctly rounded +, ×, ÷, √ and branch-free portable log/sin/cos, so
// both sides perform the same IEEE operations). Checked for several seeds,
// steps n at the ends of the 32-bit counter (0, 1, 2^31, 2^32 − 1) and
// draw counts K·d that are not multiples of 4 (the last Philox call's
// unused words must not be written). Skips, with the reason, when no CUDA
// device is usable.
#if HORIZON_HAS_CUDA

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "horizon/devices.hpp"
#include "horizon/gradient_noise.hpp"
#include "horizon/rng.hpp"
#include "kernels/noise_probe.hpp"

namespace horizon {
namespace {

// The CPU's σξ_e of step n as the reference forms it
// (host/reference/trajectory.hpp: σ·z in double), rounded to Scalar.
template <class Scalar>
std::vector<Scalar> cpu_noise(std::uint64_t seed, std::int64_t n, int total, double sigma) {
  std::vector<Scalar> out(static_cast<std::size_t>(total));
  for (int q = 0; 4 * q < total; ++q) {
    double z[4];
    rng::normal_quad(seed, rng::gradient_noise_stream, static_cast<std::uint32_t>(n), 0, static_cast<std::uint32_t>(q),
                     z);
    for (int u = 0; u < 4 && 4 * q + u < total; ++u) out[4 * q + u] = static_cast<Scalar>(sigma * z[u]);
  }
  return out;
}

// The first e where `device` (4·⌈total/4⌉ entries) differs from `cpu`
// (total entries) bitwise, or where the padding lost its all-ones bytes; −1
// when none, −2 when the sizes are wrong.
template <class Scalar>
long first_difference(const std::vector<Scalar>& device, const std::vector<Scalar>& cpu) {
  if (device.size() != (cpu.size() + 3) / 4 * 4) return -2;
  for (std::size_t e = 0; e < device.size(); ++e) {
    Scalar want;
    if (e < cpu.size())
      want = cpu[e];
    else
      std::memset(&want, 0xFF, sizeof want);
    if (std::memcmp(&device[e], &want, sizeof(Scalar)) != 0) return static_cast<long>(e);
  }
  return -1;
}

TEST(CudaNoise, DrawsMatchTheCpuBitwise) {
  std::string why;
  if (cuda_devices(&why).empty()) GTEST_SKIP() << why;
  const std::int64_t steps[] = {0, 1, 2, 12345, std::int64_t{1} << 31, (std::int64_t{1} << 32) - 1};
  const int totals[] = {1, 2, 3, 5, 37 * 3, 4 * 250, 1030 * 2 + 1};  // K·d; 4 ∤ most
  const std::uint64_t seeds[] = {0, 1, 42, 0x9e3779b97f4a7c15ull, ~std::uint64_t{0}};
  long compared = 0;
  for (std::uint64_t seed : seeds)
    for (std::int64_t n : steps)
      for (int total : totals)
        for (double sigma : {1.0, 0.1}) {
          const std::string at = "seed " + std::to_string(seed) + ", n " + std::to_string(n) + ", K·d " +
                                 std::to_string(total) + ", sigma " + std::to_string(sigma);
          const long dd = first_difference(cuda::device_scaled_noise(seed, n, total, sigma),
                                           cpu_noise<double>(seed, n, total, sigma));
          ASSERT_EQ(dd, -1) << "double draws differ first at e = " << dd << ", " << at;
          const long df = first_difference(cuda::device_scaled_noise_float(seed, n, total, sigma),
                                           cpu_noise<float>(seed, n, total, sigma));
          ASSERT_EQ(df, -1) << "float draws differ first at e = " << df << ", " << at;
          compared += total;
        }
  EXPECT_GT(compared, 100000);
}

// The shared helper on the host is the reference's arithmetic too (so the
// device comparison above is with the formula every engine calls).
TEST(CudaNoise, HostScaledNoiseQuadIsTheReferenceDraw) {
  for (int total : {1, 7, 111})
    for (std::int64_t n : {std::int64_t{0}, (std::int64_t{1} << 32) - 1}) {
      std::vector<double> host(4 * static_cast<std::size_t>(noise_quads(1, total)));
      std::memset(host.data(), 0xFF, host.size() * sizeof(double));
      for (int q = 0; q < noise_quads(1, total); ++q) {
        double xi[4];
        const int count = scaled_noise_quad(77, n, q, total, 0.3, xi);
        EXPECT_EQ(count, std::min(4, total - 4 * q));
        for (int u = 0; u < count; ++u) host[4 * q + u] = xi[u];
      }
      EXPECT_EQ(first_difference(host, cpu_noise<double>(77, n, total, 0.3)), -1) << "K·d " << total << ", n " << n;
    }
}

}  // namespace
}  // namespace horizon

#endif  // HORIZON_HAS_CUDA
