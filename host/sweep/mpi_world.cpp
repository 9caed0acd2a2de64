// A sweep across MPI ranks (mpi_world.hpp), with OpenMPI.
#include "sweep/mpi_world.hpp"

#include <mpi.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <vector>
#include <string>

#include "horizon/error.hpp"
#include "horizon/io_error.hpp"

namespace horizon {
namespace mpi {
namespace {

constexpr int kRowsTag = 2;
constexpr std::int64_t kPiece = std::int64_t{1} << 30;  // MPI counts are int: send ≤ 1 GiB a message

bool launched_by_mpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw IoError(std::string("MPI: ") + what + " failed: " + std::string(text, static_cast<std::size_t>(len)));
  }
}

class RankZeroPeers final : public SweepPeers {
 public:
  explicit RankZeroPeers(int size) : size_(size) {}
  int size() const override { return size_; }
  void start(std::int64_t from, std::size_t batch, bool distribute) override {
    std::int64_t msg[3] = {from, static_cast<std::int64_t>(batch), distribute ? 1 : 0};
    check(MPI_Bcast(msg, 3, MPI_INT64_T, 0, MPI_COMM_WORLD), "broadcasting where the sweep starts");
  }
  std::string receive(std::int64_t number) override {
    const int from = batch_owner(number, size_);
    std::int64_t bytes = 0;
    check(MPI_Recv(&bytes, 1, MPI_INT64_T, from, kRowsTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
          "receiving a batch's size");
    std::string text(static_cast<std::size_t>(bytes), '\0');
    for (std::int64_t at = 0; at < bytes; at += kPiece)
      check(MPI_Recv(text.data() + at, static_cast<int>(std::min(kPiece, bytes - at)), MPI_CHAR, from, kRowsTag,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE),
            "receiving a batch's rows");
    return text;
  }

 private:
  int size_;
};

}  // namespace

World start() {
  World w;
  if (!launched_by_mpirun()) return w;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init");
  w.active = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w.rank, MPI_INFO_NULL, &node);
  MPI_Comm_rank(node, &w.local_rank);
  MPI_Comm_free(&node);
  // Errors come back as codes (check() says which call failed) rather than
  // aborting inside MPI without a word.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  return w;
}

void finish() {
  int started = 0, finished = 0;
  MPI_Initialized(&started);
  MPI_Finalized(&finished);
  if (started && !finished) MPI_Finalize();
}

void abort_all(int code) {
  int started = 0, finished = 0, size = 1;
  MPI_Initialized(&started);
  MPI_Finalized(&finished);
  if (!started || finished) return;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size > 1) MPI_Abort(MPI_COMM_WORLD, code);
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
    std::vector<MPI_Request> requests;
  };
  std::deque<InFlight> in_flight;
  auto wait_oldest = [&] {
    InFlight& f = in_flight.front();
    check(MPI_Waitall(static_cast<int>(f.requests.size()), f.requests.data(), MPI_STATUSES_IGNORE), "sending rows");
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
    check(MPI_Isend(&f.bytes, 1, MPI_INT64_T, 0, kRowsTag, MPI_COMM_WORLD, &f.requests.back()), "sending rows");
    for (std::int64_t at = 0; at < f.bytes; at += kPiece) {
      f.requests.emplace_back();
      check(MPI_Isend(f.rows.data() + at, static_cast<int>(std::min(kPiece, f.bytes - at)), MPI_CHAR, 0, kRowsTag,
                      MPI_COMM_WORLD, &f.requests.back()),
            "sending rows");
    }
  };
  auto receive_start = [&](std::int64_t* from, std::size_t* batch, bool* distribute) {
    std::int64_t msg[3] = {0, 1, 0};
    check(MPI_Bcast(msg, 3, MPI_INT64_T, 0, MPI_COMM_WORLD), "receiving where the sweep starts");
    *from = msg[0];
    *batch = static_cast<std::size_t>(msg[1]);
    *distribute = msg[2] != 0;
  };
  serve_sweep(p, cfg, plan, backend, world.rank, world.size, send, receive_start);
  while (!in_flight.empty()) wait_oldest();
}

}  // namespace mpi
}  // namespace horizon
