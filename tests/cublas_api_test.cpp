// cuBLAS is loaded on first use (kernels/cublas_api.hpp), not linked: the
// library must be found and every function the GEMM path calls resolved.
// Loading needs no GPU, so this runs wherever CUDA is built.
//
// And only the GEMM path loads it: the backend's DeviceContext carries a
// lazily created handle (kernels/quadratic_kernels.hpp, BlasHandle) that
// the GEMM solver asks for when it is made, so the diagonal and fused paths
// run on a machine without libcublas. CublasLazyHandle checks that in a
// fresh process (the test binary run again on itself, since an earlier test
// of this process may have loaded the library): no handle, no library —
// through the diagonal and fused solvers (with a device: whole runs; without
// one: as far as their first CUDA call) — until the GEMM solver is made.
#if HORIZON_HAS_CUDA

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <vector>

#include "../kernels/cublas_api.hpp"
#include "../kernels/quadratic_kernels.hpp"
#include "horizon/backend.hpp"
#include "horizon/cuda_backend.hpp"
#include "horizon/devices.hpp"
#include "support.hpp"

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

constexpr const char* kChildVariable = "HORIZON_CUBLAS_PROBE_CHILD";
constexpr const char* kChildTest = "CublasLazyHandle.OnlyTheGemmPathLoadsCublas";

// Whether libcublas is mapped into this process (dlopen without loading).
bool cublas_loaded() {
  const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
  void* lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (lib) dlclose(lib);  // drops the reference RTLD_NOLOAD took
  return lib != nullptr;
}

// The child's part: what loads the library, step by step.
void probe_in_this_process() {
  ASSERT_FALSE(cublas_loaded()) << "a fresh process should not have libcublas mapped";
  {
    cuda::DeviceContext ctx;
    ctx.blas = std::make_shared<cuda::BlasHandle>(nullptr);
    EXPECT_FALSE(ctx.blas->created());
  }
  EXPECT_FALSE(cublas_loaded()) << "making and dropping an unused BlasHandle loaded libcublas";

  const QuadraticProblem diagonal = test::random_problem(6, 2, true, 3);
  const QuadraticProblem dense = test::random_problem(5, 2, false, 4);  // small: the fused path
  const AlgorithmConfig cfg = test::basic_config();
  const std::vector<RunSpec> specs = {{1, 1}, {2, 2}, {3, 3}};
  const std::vector<std::int64_t> budgets = {1, 7};
  std::string why;
  const std::vector<DeviceInfo> devices = cuda_devices(&why);
  if (!devices.empty()) {
    const std::unique_ptr<Backend> backend = make_cuda_backend(devices.front(), {});
    EXPECT_EQ(backend->run(diagonal, cfg, specs, budgets).size(), specs.size());
    EXPECT_EQ(backend->run(dense, cfg, specs, budgets).size(), specs.size());
    EXPECT_FALSE(cublas_loaded()) << "the CUDA backend's diagonal or fused path loaded libcublas";
    GpuOptions gemm;
    gemm.path = GpuOptions::Path::gemm;
    EXPECT_EQ(make_cuda_backend(devices.front(), gemm)->run(dense, cfg, specs, budgets).size(), specs.size());
    EXPECT_TRUE(cublas_loaded()) << "the GEMM path ran without loading libcublas?";
    return;
  }
  // No device (`why` says why): the solvers get as far as their first CUDA call.
  cuda::DeviceContext ctx;
  ctx.blas = std::make_shared<cuda::BlasHandle>(nullptr);
  EXPECT_THROW(cuda::make_diagonal_solver<double>(diagonal, cfg, budgets, ctx), std::runtime_error);
  EXPECT_THROW(cuda::make_dense_fused_solver<double>(dense, cfg, budgets, ctx), std::runtime_error);
  EXPECT_FALSE(cublas_loaded()) << "the diagonal or fused solver factory loaded libcublas";
  cuda::DeviceContext without;  // no handle at all: the GEMM path refuses, loading nothing
  EXPECT_THROW(cuda::make_dense_gemm_solver<double>(dense, cfg, budgets, without), std::runtime_error);
  EXPECT_FALSE(cublas_loaded());
  // With the lazy handle the GEMM solver asks for it first: that loads the
  // library (then cublasCreate fails for want of a device).
  EXPECT_THROW(cuda::make_dense_gemm_solver<double>(dense, cfg, budgets, ctx), std::runtime_error);
  EXPECT_TRUE(cublas_loaded()) << "the GEMM solver did not ask for its handle first";
  EXPECT_FALSE(ctx.blas->created());
}

TEST(CublasLazyHandle, OnlyTheGemmPathLoadsCublas) {
  if (std::getenv(kChildVariable)) {
    probe_in_this_process();
    return;
  }
  char exe[PATH_MAX];
  const ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  ASSERT_GT(len, 0) << "cannot find this test binary";
  exe[len] = '\0';
  const std::string command =
      std::string(kChildVariable) + "=1 '" + exe + "' --gtest_filter=" + kChildTest + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, got);
  const int status = pclose(pipe);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child process failed:\n" << output;
  EXPECT_NE(output.find("[  PASSED  ] 1 test"), std::string::npos) << "the child ran no test:\n" << output;
}

}  // namespace
}  // namespace horizon

#endif  // HORIZON_HAS_CUDA
