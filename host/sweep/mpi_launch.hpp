// What an MPI launcher tells each process it starts, through the environment:
// OpenMPI's mpirun sets OMPI_COMM_WORLD_RANK / _SIZE, PMIx launchers
// PMIX_RANK, PMI launchers (srun, MPICH) PMI_RANK / PMI_SIZE. Read by the
// CLI before MPI starts (mpi_world.cpp, mpi_absent.cpp, the error path of
// main.cpp).
#pragma once

#include <cstdlib>
#include <initializer_list>

namespace horizon {
namespace mpi {

// The first of the variables that is set, as text; nullptr when none is.
inline const char* first_set(std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (const char* value = std::getenv(name)) return value;
  return nullptr;
}

// This process's rank, and the number of ranks, as the launcher gave them
// (nullptr outside a launcher, or where it does not say).
inline const char* launcher_rank() { return first_set({"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"}); }
inline const char* launcher_size() { return first_set({"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}); }

inline bool launched_by_mpi_launcher() { return launcher_rank() || launcher_size(); }

}  // namespace mpi
}  // namespace horizon
