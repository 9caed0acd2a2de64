// A sweep across MPI ranks (mpi_world.hpp). OpenMPI itself is in
// libhorizon_mpi.so (mpi_module.cpp), loaded next to this executable only
// when an MPI launcher started it (mpi_module_api.hpp says why).
#include "sweep/mpi_world.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "horizon/error.hpp"
#include "horizon/io_error.hpp"
#include "sweep/mpi_launch.hpp"
#include "sweep/mpi_module_api.hpp"

namespace horizon {
namespace mpi {
namespace {

constexpr int kRowsTag = 2;
constexpr std::int64_t kPiece = std::int64_t{1} << 30;  // MPI counts are int: send ≤ 1 GiB a message

const HorizonMpiApi* api = nullptr;  // set by start() under a launcher

// libhorizon_mpi.so beside this executable (the build puts both in one
// folder).
std::string module_path() {
  std::string exe(4096, '\0');
  const ssize_t n = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  if (n <= 0) return "libhorizon_mpi.so";
  exe.resize(static_cast<std::size_t>(n));
  const std::size_t slash = exe.rfind('/');
  return (slash == std::string::npos ? std::string(".") : exe.substr(0, slash)) + "/libhorizon_mpi.so";
}

const HorizonMpiApi* load_module() {
  const std::string path = module_path();
  // RTLD_GLOBAL: OpenMPI's own components (dlopen()ed by libmpi) resolve
  // symbols of libmpi and libopen-pal.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (!handle)
    throw IoError("MPI: cannot load horizon's MPI module: " + std::string(dlerror()) +
                  " (it is built with horizon when libopenmpi-dev is installed)");
  using Entry = const HorizonMpiApi* (*)();
  const auto entry = reinterpret_cast<Entry>(dlsym(handle, "horizon_mpi_api"));
  const HorizonMpiApi* table = entry ? entry() : nullptr;
  if (!table || table->abi != kHorizonMpiAbi)
    throw IoError("MPI: '" + path + "' is not this horizon's MPI module (rebuild horizon)");
  return table;
}

void check(int rc, const char* what) {
  if (rc != 0) {
    char text[512];
    api->error_string(rc, text, sizeof text);
    throw IoError(std::string("MPI: ") + what + " failed: " + text);
  }
}

class RankZeroPeers final : public SweepPeers {
 public:
  explicit RankZeroPeers(int size) : size_(size) {}
  int size() const override { return size_; }
  void start(std::int64_t from, std::size_t batch, bool distribute) override {
    std::int64_t msg[3] = {from, static_cast<std::int64_t>(batch), distribute ? 1 : 0};
    check(api->bcast_i64(msg, 3), "broadcasting where the sweep starts");
  }
  std::string receive(std::int64_t number) override {
    const int from = batch_owner(number, size_);
    std::int64_t bytes = 0;
    check(api->recv_i64(&bytes, 1, from, kRowsTag), "receiving a batch's size");
    std::string text(static_cast<std::size_t>(bytes), '\0');
    for (std::int64_t at = 0; at < bytes; at += kPiece)
      check(api->recv_bytes(text.data() + at, static_cast<int>(std::min(kPiece, bytes - at)), from, kRowsTag),
            "receiving a batch's rows");
    return text;
  }

 private:
  int size_;
};

}  // namespace

World start() {
  World w;
  if (!launched_by_mpi_launcher()) return w;
  api = load_module();
  check(api->init(&w.rank, &w.size, &w.local_rank), "MPI_Init");
  w.active = true;
  return w;
}

void finish() {
  if (api) api->finalize_if_started();
}

void abort_all(int code) {
  if (api) api->abort_if_started(code);
}

std::unique_ptr<SweepPeers> peers(const World& world) {
  if (!world.active || world.size < 2) return nullptr;
  return std::make_unique<RankZeroPeers>(world.size);
}

void serve(const World& world, const Problem& p, const AlgorithmConfig& cfg, const SweepPlan& plan, Backend& backend) {
  // Up to kAhead batches in flight: their rows stay here until rank 0 has
  // taken them, while the next batches are computed. Rank 0 takes batches
  // in order, so a rank that is briefly faster than the others runs on
  // instead of waiting; memory stays at kAhead batches.
  constexpr std::size_t kAhead = 4;
  struct InFlight {
    std::string rows;
    std::int64_t bytes = 0;
    std::vector<void*> requests;  // the module's, freed by waitall
  };
  std::deque<InFlight> in_flight;
  auto wait_oldest = [&] {
    InFlight& f = in_flight.front();
    check(api->waitall(static_cast<int>(f.requests.size()), f.requests.data()), "sending rows");
    in_flight.pop_front();
  };
  auto send = [&](std::int64_t, const std::string& rows) {
    if (in_flight.size() >= kAhead) wait_oldest();
    in_flight.emplace_back();
    InFlight& f = in_flight.back();
    f.rows = rows;
    f.bytes = static_cast<std::int64_t>(f.rows.size());
    f.requests.reserve(2 + static_cast<std::size_t>(f.bytes / kPiece));
    f.requests.emplace_back();
    check(api->isend_i64(&f.bytes, 1, 0, kRowsTag, &f.requests.back()), "sending rows");
    for (std::int64_t at = 0; at < f.bytes; at += kPiece) {
      f.requests.emplace_back();
      check(api->isend_bytes(f.rows.data() + at, static_cast<int>(std::min(kPiece, f.bytes - at)), 0, kRowsTag,
                             &f.requests.back()),
            "sending rows");
    }
  };
  auto receive_start = [&](std::int64_t* from, std::size_t* batch, bool* distribute) {
    std::int64_t msg[3] = {0, 1, 0};
    check(api->bcast_i64(msg, 3), "receiving where the sweep starts");
    *from = msg[0];
    *batch = static_cast<std::size_t>(msg[1]);
    *distribute = msg[2] != 0;
  };
  serve_sweep(p, cfg, plan, backend, world.rank, world.size, send, receive_start);
  while (!in_flight.empty()) wait_oldest();
}

}  // namespace mpi
}  // namespace horizon
