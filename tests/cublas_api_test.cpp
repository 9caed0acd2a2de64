// cuBLAS is loaded on first use (kernels/cublas_api.hpp), not linked: the
// library must be found and every function the GEMM path calls resolved.
// Loading needs no GPU, so this runs wherever CUDA is built.
#if HORIZON_HAS_CUDA

#include <gtest/gtest.h>

#include <string>

#include "../kernels/cublas_api.hpp"

namespace horizon {
namespace {

TEST(CublasApi, LoadsAndResolvesEveryFunction) {
  const cuda::CublasApi& api = cuda::cublas();
  EXPECT_NE(api.create, nullptr);
  EXPECT_NE(api.destroy, nullptr);
  EXPECT_NE(api.set_stream, nullptr);
  EXPECT_NE(api.dgemm, nullptr);
  EXPECT_NE(api.sgemm, nullptr);
  EXPECT_NE(api.dgemm_strided_batched, nullptr);
  EXPECT_NE(api.sgemm_strided_batched, nullptr);
  ASSERT_NE(api.status_name, nullptr);
  EXPECT_EQ(std::string(api.status_name(CUBLAS_STATUS_NOT_INITIALIZED)), "CUBLAS_STATUS_NOT_INITIALIZED");
  EXPECT_EQ(&cuda::cublas(), &api);  // loaded once
}

}  // namespace
}  // namespace horizon

#endif  // HORIZON_HAS_CUDA
