// kernels/device_buffer.hpp — an owning, move-only array in device memory.
//
//   DeviceBuffer<double> x(n);          cudaMalloc of n elements (throws
//                                       DeviceOutOfMemory when it fails)
//   x.upload(host_vector, stream);      host → device, then synchronize
//   x.download(host_vector, stream);    device → host (resizes), synchronize
//   x.zero(stream);                     cudaMemsetAsync to all-zero bytes
// The memory is freed in the destructor (errors there are ignored: a
// destructor must not throw, and a failed free leaves nothing to repair).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <utility>
#include <vector>

#include "cuda_check.hpp"

namespace horizon {
namespace cuda {

template <class T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(std::size_t count) : count_(count) {
    if (count_ > 0) CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&data_), count_ * sizeof(T)));
  }
  DeviceBuffer(const std::vector<T>& host, cudaStream_t stream) : DeviceBuffer(host.size()) {
    upload(host, stream);
  }
  ~DeviceBuffer() {
    if (data_) cudaFree(data_);
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), count_(std::exchange(other.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
      if (data_) cudaFree(data_);
      data_ = std::exchange(other.data_, nullptr);
      count_ = std::exchange(other.count_, 0);
    }
    return *this;
  }

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return count_; }

  // Copies host[0, count) in (host.size() must equal size()).
  void upload(const std::vector<T>& host, cudaStream_t stream) {
    if (host.size() != count_) throw std::runtime_error("DeviceBuffer::upload: size mismatch");
    if (count_ == 0) return;
    CUDA_CHECK(cudaMemcpyAsync(data_, host.data(), count_ * sizeof(T), cudaMemcpyHostToDevice, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  void download(std::vector<T>& host, cudaStream_t stream) const {
    host.resize(count_);
    if (count_ == 0) return;
    CUDA_CHECK(cudaMemcpyAsync(host.data(), data_, count_ * sizeof(T), cudaMemcpyDeviceToHost, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  void zero(cudaStream_t stream) {
    if (count_ > 0) CUDA_CHECK(cudaMemsetAsync(data_, 0, count_ * sizeof(T), stream));
  }

 private:
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

}  // namespace cuda
}  // namespace horizon
