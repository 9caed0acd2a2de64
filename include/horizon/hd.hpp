// horizon/hd.hpp — marks functions shared by the CPU engines and the CUDA
// kernels, and the loop-unrolling hint both compilers understand.
#pragma once

#if defined(__CUDACC__)
#define HORIZON_HD __host__ __device__
#else
#define HORIZON_HD
#endif

// Unroll the next loop fully (it has a compile-time trip count): lets a
// kernel keep small per-domain arrays in registers.
#if defined(__CUDACC__)
#define HORIZON_UNROLL _Pragma("unroll")
#else
#define HORIZON_UNROLL _Pragma("GCC unroll 16")
#endif

// Before an HORIZON_HD template that calls __device__-only members of its
// template arguments (a kernel body over kernels/block_exec.hpp's
// DeviceBlock): nvcc checks such calls only where they are instantiated.
#if defined(__CUDACC__)
#define HORIZON_HD_TEMPLATE _Pragma("nv_exec_check_disable")
#else
#define HORIZON_HD_TEMPLATE
#endif
