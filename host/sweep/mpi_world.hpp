// A sweep across MPI ranks (`mpirun -n P horizon sweep …`).
//
// MPI starts only when horizon was launched by an MPI launcher (its
// environment: mpi_launch.hpp); a plain `horizon sweep` never
// touches it, nor maps OpenMPI: that lives in libhorizon_mpi.so beside the
// executable, opened on the first MPI launch (mpi_module_api.hpp). Rank 0 owns DIR: it reads what --resume keeps, tells the
// others where the sweep starts (SweepPeers::start), computes batches
// P − 1, 2P − 1, … itself and writes every batch in the sweep's order, taking
// batch b's rows from rank (b + 1) mod P (batch_owner; each rank at most 4
// batches ahead of rank 0: memory stays bounded). The other ranks compute
// their batches and send the rows.
// If a rank dies, mpirun ends the job; what rank 0 has written is a valid
// prefix of runs.csv and --resume (with or without mpirun) completes it.
// Built without MPI (HORIZON_ENABLE_MPI=OFF), a launch by mpirun with more
// than one rank is an InputError. Internal to the CLI.
#pragma once

#include <memory>

#include "horizon/backend.hpp"
#include "horizon/config.hpp"
#include "horizon/problem.hpp"
#include "horizon/sweep.hpp"

namespace horizon {
namespace mpi {

struct World {
  int rank = 0, size = 1;
  int local_rank = 0;  // rank among the ranks on this node (picks the GPU)
  bool active = false;  // MPI_Init was called
};

// MPI_Init when launched by an MPI launcher; otherwise {0, 1, 0, false}.
World start();
// MPI_Finalize when started.
void finish();
// Ends every rank with `code` (MPI_Abort) when started with more than one.
void abort_all(int code);

// Rank 0's view of the others.
std::unique_ptr<SweepPeers> peers(const World& world);
// A rank other than 0: computes its batches of the sweep and sends them.
void serve(const World& world, const Problem& p, const AlgorithmConfig& cfg, const SweepPlan& plan, Backend& backend);

}  // namespace mpi
}  // namespace horizon
