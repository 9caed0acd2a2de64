// The MPI calls of an MPI sweep (mpi_world.cpp), as a C function table that
// libhorizon_mpi.so (mpi_module.cpp, the only code linked with OpenMPI)
// fills in. horizon dlopen()s the module only when an MPI launcher started
// it, so a plain `horizon …` never maps OpenMPI's nine shared libraries
// (0.8 ms of every process start, measured).
//
// Every call works on MPI_COMM_WORLD; those returning int return the MPI
// error code (0 = MPI_SUCCESS; error_string says what it means). Requests
// are opaque: isend allocates one, waitall frees those it waits for.
#pragma once

#include <cstdint>

extern "C" {

struct HorizonMpiApi {
  int abi;  // kHorizonMpiAbi of the module's build
  // MPI_Init_thread (funneled) and errors returned as codes; rank and size
  // in the world, local_rank among the ranks of this node.
  int (*init)(int* rank, int* size, int* local_rank);
  void (*finalize_if_started)();
  void (*abort_if_started)(int code);  // MPI_Abort, with more than one rank
  int (*bcast_i64)(std::int64_t* values, int count);  // from rank 0
  int (*recv_i64)(std::int64_t* values, int count, int from, int tag);
  int (*recv_bytes)(char* bytes, int count, int from, int tag);
  int (*isend_i64)(const std::int64_t* values, int count, int to, int tag, void** request);
  int (*isend_bytes)(const char* bytes, int count, int to, int tag, void** request);
  int (*waitall)(int count, void** requests);
  void (*error_string)(int code, char* text, int capacity);
};

// The module's entry point (dlsym name "horizon_mpi_api").
const HorizonMpiApi* horizon_mpi_api();
}

// Bumped whenever HorizonMpiApi changes, so a stale module is refused.
constexpr int kHorizonMpiAbi = 1;
