// A sweep across MPI ranks (mpi_world.hpp), with OpenMPI.
#include "sweep/mpi_world.hpp"

#include <mpi.h>

#include <cstdint>
#include <cstdlib>
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
    const int from = static_cast<int>(number % size_);
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
  // One batch in flight: its rows stay in `sending` until the send is done,
  // while the next batch is computed.
  std::string sending;
  std::int64_t sending_bytes = 0;
  std::vector<MPI_Request> requests;
  auto wait = [&] {
    if (!requests.empty())
      check(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "sending rows");
    requests.clear();
  };
  auto send = [&](std::int64_t, const std::string& rows) {
    wait();
    sending = rows;
    sending_bytes = static_cast<std::int64_t>(sending.size());
    requests.emplace_back();
    check(MPI_Isend(&sending_bytes, 1, MPI_INT64_T, 0, kRowsTag, MPI_COMM_WORLD, &requests.back()), "sending rows");
    for (std::int64_t at = 0; at < sending_bytes; at += kPiece) {
      requests.emplace_back();
      check(MPI_Isend(sending.data() + at, static_cast<int>(std::min(kPiece, sending_bytes - at)), MPI_CHAR, 0,
                      kRowsTag, MPI_COMM_WORLD, &requests.back()),
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
  wait();
}

}  // namespace mpi
}  // namespace horizon
