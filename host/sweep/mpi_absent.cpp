// Built without MPI (HORIZON_ENABLE_MPI=OFF): a plain process, and a clear
// refusal when mpirun starts several of them (mpi_world.hpp).
#include <string>

#include "horizon/error.hpp"
#include "sweep/mpi_launch.hpp"
#include "sweep/mpi_world.hpp"

namespace horizon {
namespace mpi {

World start() {
  if (const char* size = launcher_size(); size && std::string(size) != "1")
    throw InputError("mpirun", "this horizon was built without MPI (HORIZON_ENABLE_MPI=OFF), so its " +
                                   std::string(size) +
                                   " ranks would each run the whole sweep; rebuild with MPI (apt-get install "
                                   "libopenmpi-dev) or use --shard I/N");
  return {};
}
void finish() {}
void abort_all(int) {}
std::unique_ptr<SweepPeers> peers(const World&) { return nullptr; }
void serve(const World&, const Problem&, const AlgorithmConfig&, const SweepPlan&, Backend&) {}

}  // namespace mpi
}  // namespace horizon
