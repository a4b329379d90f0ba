// RIFF/WAVE PCM s16le writer; sizes updated in place so the file is playable at any time.
#include "receive/wav_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "roomcast/error.hpp"

namespace roomcast::receive {

namespace {

constexpr std::size_t kHeaderBytes = 44;
constexpr off_t kRiffSizeOffset = 4;
constexpr off_t kDataSizeOffset = 40;
// Written in pieces of this size: few system calls, little lost to a kill.
constexpr std::size_t kBufferBytes = 32 * 1024;

void put_u16(uint8_t *p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

void put_u32(uint8_t *p, uint32_t v) {
  put_u16(p, v & 0xFFFF);
  put_u16(p + 2, v >> 16);
}

// RIFF sizes are 32-bit: past 4 GiB the header says "as large as it gets" rather than wrap.
uint32_t data_size(uint64_t bytes) {
  return static_cast<uint32_t>(
      std::min<uint64_t>(bytes, std::numeric_limits<uint32_t>::max() - (kHeaderBytes - 8)));
}

// write(2) until done; the bytes written, and errno set if fewer than asked.
std::size_t write_all(int fd, const uint8_t *data, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      if (n == 0) {
        errno = ENOSPC;
      }
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  return done;
}

bool pwrite_all(int fd, const uint8_t *data, std::size_t size, off_t at) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, at);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      if (n == 0) {
        errno = ENOSPC;
      }
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
    at += n;
  }
  return true;
}

// Rewrites the RIFF and data chunk sizes for data_bytes of samples.
bool write_sizes(int fd, uint64_t data_bytes) {
  const uint32_t bytes = data_size(data_bytes);
  std::array<uint8_t, 4> riff{};
  std::array<uint8_t, 4> data{};
  put_u32(riff.data(), bytes + static_cast<uint32_t>(kHeaderBytes - 8));
  put_u32(data.data(), bytes);
  return pwrite_all(fd, riff.data(), riff.size(), kRiffSizeOffset) &&
         pwrite_all(fd, data.data(), data.size(), kDataSizeOffset);
}

} // namespace

WavWriter::WavWriter(const std::string &path, int sample_rate_hz, int channels)
    : path_(path), sample_rate_hz_(sample_rate_hz), channels_(channels) {
  if (sample_rate_hz < 1 || channels < 1 || channels > 16) {
    throw Error(Error::Kind::Media, "cannot write '" + path + "': unsupported format (" +
                                        std::to_string(sample_rate_hz) + " Hz, " +
                                        std::to_string(channels) +
                                        " channels); use 1..16 channels at a positive rate");
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd_ < 0) {
    fail(errno);
  }
  std::array<uint8_t, kHeaderBytes> header{};
  std::memcpy(header.data(), "RIFF", 4);
  put_u32(header.data() + kRiffSizeOffset, kHeaderBytes - 8);
  std::memcpy(header.data() + 8, "WAVEfmt ", 8);
  put_u32(header.data() + 16, 16); // fmt chunk size
  put_u16(header.data() + 20, 1);  // WAVE_FORMAT_PCM
  put_u16(header.data() + 22, static_cast<uint32_t>(channels));
  put_u32(header.data() + 24, static_cast<uint32_t>(sample_rate_hz));
  put_u32(header.data() + 28, static_cast<uint32_t>(sample_rate_hz * channels * 2)); // bytes/s
  put_u16(header.data() + 32, static_cast<uint32_t>(channels * 2));                  // block align
  put_u16(header.data() + 34, 16);                                                   // bits
  std::memcpy(header.data() + 36, "data", 4);
  put_u32(header.data() + kDataSizeOffset, 0);
  if (write_all(fd_, header.data(), header.size()) != header.size()) {
    const int error_number = errno;
    ::close(std::exchange(fd_, -1));
    fail(error_number);
  }
  buffer_.reserve(kBufferBytes);
}

WavWriter::WavWriter(WavWriter &&other) noexcept
    : path_(std::move(other.path_)), sample_rate_hz_(other.sample_rate_hz_),
      channels_(other.channels_), fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)), data_bytes_on_disk_(other.data_bytes_on_disk_),
      samples_written_(other.samples_written_), samples_at_header_(other.samples_at_header_) {}

WavWriter::~WavWriter() {
  try {
    close();
  } catch (...) { // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

void WavWriter::write(std::span<const int16_t> samples) {
  if (fd_ < 0 || samples.empty()) {
    return;
  }
  // WAV samples are little-endian whatever the host's order.
  for (const int16_t sample : samples) {
    const auto v = static_cast<uint16_t>(sample);
    buffer_.push_back(static_cast<uint8_t>(v));
    buffer_.push_back(static_cast<uint8_t>(v >> 8));
    if (buffer_.size() >= kBufferBytes) {
      flush();
    }
  }
  samples_written_ += samples.size();
  if (samples_written_ - samples_at_header_ >=
      static_cast<uint64_t>(sample_rate_hz_) * static_cast<uint64_t>(channels_)) {
    update_header();
  }
}

void WavWriter::flush() {
  const std::size_t written = write_all(fd_, buffer_.data(), buffer_.size());
  data_bytes_on_disk_ += written;
  if (written != buffer_.size()) {
    stop(errno);
  }
  buffer_.clear();
}

// Data first, then the sizes: the header never claims bytes not yet handed to the kernel.
void WavWriter::update_header() {
  flush();
  if (!write_sizes(fd_, data_bytes_on_disk_)) {
    stop(errno);
  }
  samples_at_header_ = samples_written_;
}

// After a failed write: keep the whole sample frames that reached the disk, make the header
// say so, close, and throw what happened and how much was kept.
void WavWriter::stop(int error_number) {
  const uint64_t frame_bytes = 2 * static_cast<uint64_t>(channels_);
  const uint64_t kept = data_bytes_on_disk_ / frame_bytes * frame_bytes;
  // Shrinking and rewriting bytes already on disk need no new space.
  const bool valid = ::ftruncate(fd_, static_cast<off_t>(kHeaderBytes + kept)) == 0 &&
                     write_sizes(fd_, kept);
  ::close(std::exchange(fd_, -1));
  buffer_.clear();
  samples_written_ = kept / 2;
  samples_at_header_ = samples_written_;
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.2f",
                static_cast<double>(kept / frame_bytes) / sample_rate_hz_);
  throw Error(Error::Kind::Media,
              "cannot write '" + path_ + "': " + std::strerror(error_number) +
                  "; recording stopped after " + seconds + " s" +
                  (valid ? " (the file is valid and keeps what was written)"
                         : " (its header could not be updated either)"));
}

void WavWriter::close() {
  if (fd_ < 0) {
    return;
  }
  update_header(); // on failure stop() has closed the file
  if (::close(std::exchange(fd_, -1)) != 0) {
    fail(errno);
  }
}

void WavWriter::fail(int error_number) const {
  throw Error(Error::Kind::Media, "cannot write '" + path_ + "': " + std::strerror(error_number) +
                                      "; check the directory exists and is writable");
}

} // namespace roomcast::receive
