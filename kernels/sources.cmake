# CUDA sources of horizon_core (included only when HORIZON_ENABLE_CUDA is on).
set(HORIZON_CUDA_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/device_query.cu
  ${CMAKE_CURRENT_LIST_DIR}/quadratic_diagonal.cu
  ${CMAKE_CURRENT_LIST_DIR}/quadratic_dense_fused.cu
  ${CMAKE_CURRENT_LIST_DIR}/quadratic_dense_gemm.cu
  ${CMAKE_CURRENT_LIST_DIR}/cuda_backend.cu
  ${CMAKE_CURRENT_LIST_DIR}/noise_probe.cu
  ${CMAKE_CURRENT_LIST_DIR}/launch_probe.cu
  ${CMAKE_CURRENT_LIST_DIR}/cublas_api.cpp)
