// libhorizon_mpi.so: OpenMPI behind the function table of mpi_module_api.hpp.
// Nothing of horizon is linked in; mpi_world.cpp holds the sweep's logic.
#include <mpi.h>

#include <cstdint>
#include <cstring>

#include "sweep/mpi_module_api.hpp"

namespace {

int init(int* rank, int* size, int* local_rank) {
  int provided = 0;
  if (const int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided); rc != MPI_SUCCESS) return rc;
  // Errors come back as codes (the caller says which call failed) rather
  // than aborting inside MPI without a word.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, rank);
  MPI_Comm_size(MPI_COMM_WORLD, size);
  MPI_Comm node;
  if (const int rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, *rank, MPI_INFO_NULL, &node);
      rc != MPI_SUCCESS)
    return rc;
  MPI_Comm_rank(node, local_rank);
  return MPI_Comm_free(&node);
}

bool started() {
  int started = 0, finished = 0;
  MPI_Initialized(&started);
  MPI_Finalized(&finished);
  return started && !finished;
}

void finalize_if_started() {
  if (started()) MPI_Finalize();
}

void abort_if_started(int code) {
  int size = 1;
  if (!started()) return;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size > 1) MPI_Abort(MPI_COMM_WORLD, code);
}

int bcast_i64(std::int64_t* values, int count) { return MPI_Bcast(values, count, MPI_INT64_T, 0, MPI_COMM_WORLD); }

int recv_i64(std::int64_t* values, int count, int from, int tag) {
  return MPI_Recv(values, count, MPI_INT64_T, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

int recv_bytes(char* bytes, int count, int from, int tag) {
  return MPI_Recv(bytes, count, MPI_CHAR, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

int isend(const void* data, int count, MPI_Datatype type, int to, int tag, void** request) {
  auto* r = new MPI_Request;
  const int rc = MPI_Isend(data, count, type, to, tag, MPI_COMM_WORLD, r);
  if (rc != MPI_SUCCESS) {
    delete r;
    *request = nullptr;
    return rc;
  }
  *request = r;
  return MPI_SUCCESS;
}

int isend_i64(const std::int64_t* values, int count, int to, int tag, void** request) {
  return isend(values, count, MPI_INT64_T, to, tag, request);
}

int isend_bytes(const char* bytes, int count, int to, int tag, void** request) {
  return isend(bytes, count, MPI_CHAR, to, tag, request);
}

int waitall(int count, void** requests) {
  int result = MPI_SUCCESS;
  for (int i = 0; i < count; ++i) {
    auto* r = static_cast<MPI_Request*>(requests[i]);
    if (!r) continue;
    const int rc = MPI_Wait(r, MPI_STATUS_IGNORE);
    if (result == MPI_SUCCESS) result = rc;
    delete r;
    requests[i] = nullptr;
  }
  return result;
}

void error_string(int code, char* text, int capacity) {
  char buffer[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, buffer, &length) != MPI_SUCCESS) length = 0;
  if (capacity <= 0) return;
  const int n = length < capacity - 1 ? length : capacity - 1;
  std::memcpy(text, buffer, static_cast<std::size_t>(n));
  text[n] = '\0';
}

constexpr HorizonMpiApi kApi = {kHorizonMpiAbi, init,     finalize_if_started, abort_if_started, bcast_i64, recv_i64,
                                recv_bytes,     isend_i64, isend_bytes,         waitall,          error_string};

}  // namespace

extern "C" __attribute__((visibility("default"))) const HorizonMpiApi* horizon_mpi_api() { return &kApi; }
