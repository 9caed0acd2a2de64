// kernels/cublas_api.hpp — cuBLAS, loaded on first use.
//
// libcublas maps and relocates several hundred MB when a program starts
// (≈ 0.1 s and 26k page faults on the dev machines), which every `horizon`
// command would pay, GPU or not. So horizon does not link it: the first
// cuBLAS call of the GEMM path (or of the CUDA benchmark) dlopen()s
// libcublas.so.<major> of the toolkit it was built with and resolves the
// handful of functions below. A missing library is a std::runtime_error
// naming it, like any other CUDA failure.
#pragma once

#include <cublas_v2.h>

namespace horizon {
namespace cuda {

struct CublasApi {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasDestroy_v2) destroy;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasDgemm_v2) dgemm;
  decltype(&cublasSgemm_v2) sgemm;
  decltype(&cublasDgemmStridedBatched) dgemm_strided_batched;
  decltype(&cublasSgemmStridedBatched) sgemm_strided_batched;
  decltype(&cublasGetStatusName) status_name;
  decltype(&cublasGetStatusString) status_string;
};

// The loaded functions (thread-safe; loads once, throws on failure).
const CublasApi& cublas();

}  // namespace cuda
}  // namespace horizon
