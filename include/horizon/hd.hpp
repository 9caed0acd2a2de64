// horizon/hd.hpp — marks functions shared by the CPU reference and CUDA kernels.
#pragma once

#if defined(__CUDACC__)
#define HORIZON_HD __host__ __device__
#else
#define HORIZON_HD
#endif
