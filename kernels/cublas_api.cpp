// cuBLAS loaded on first use (cublas_api.hpp).
#include "cublas_api.hpp"

#include <dlfcn.h>

#include <stdexcept>
#include <string>

namespace horizon {
namespace cuda {
namespace {

template <class F>
void resolve(void* lib, const char* name, F* out) {
  void* f = dlsym(lib, name);
  if (!f) throw std::runtime_error(std::string("cuBLAS: symbol ") + name + " not found in the loaded libcublas");
  *out = reinterpret_cast<F>(f);
}

CublasApi load() {
  const std::string soname = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);
  void* lib = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
#if defined(HORIZON_CUDA_LIBRARY_DIR)
  if (!lib) lib = dlopen((std::string(HORIZON_CUDA_LIBRARY_DIR) + "/" + soname).c_str(), RTLD_NOW | RTLD_LOCAL);
#endif
  if (!lib)
    throw std::runtime_error("cuBLAS: cannot load " + soname + " (" + dlerror() +
                             "); the GEMM path needs the CUDA toolkit's cuBLAS on the library path");
  CublasApi api{};
  resolve(lib, "cublasCreate_v2", &api.create);
  resolve(lib, "cublasDestroy_v2", &api.destroy);
  resolve(lib, "cublasSetStream_v2", &api.set_stream);
  resolve(lib, "cublasDgemm_v2", &api.dgemm);
  resolve(lib, "cublasSgemm_v2", &api.sgemm);
  resolve(lib, "cublasDgemmStridedBatched", &api.dgemm_strided_batched);
  resolve(lib, "cublasSgemmStridedBatched", &api.sgemm_strided_batched);
  resolve(lib, "cublasGetStatusName", &api.status_name);
  resolve(lib, "cublasGetStatusString", &api.status_string);
  return api;  // the library stays loaded for the life of the process
}

}  // namespace

const CublasApi& cublas() {
  static const CublasApi api = load();  // a throw here leaves it unset: the next call tries again
  return api;
}

}  // namespace cuda
}  // namespace horizon
