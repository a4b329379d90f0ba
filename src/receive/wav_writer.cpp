// RIFF/WAVE PCM s16le writer; sizes updated in place so the file is playable at any time.
#include "receive/wav_writer.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>

#include "roomcast/error.hpp"

namespace roomcast::receive {

namespace {

constexpr long kHeaderBytes = 44;
constexpr long kRiffSizeOffset = 4;
constexpr long kDataSizeOffset = 40;

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

} // namespace

void wav_detail::close_file(std::FILE *file) noexcept { std::fclose(file); }

WavWriter::WavWriter(const std::string &path, int sample_rate_hz, int channels)
    : path_(path), sample_rate_hz_(sample_rate_hz), channels_(channels) {
  if (sample_rate_hz < 1 || channels < 1 || channels > 16) {
    throw Error(Error::Kind::Media, "cannot write '" + path + "': unsupported format (" +
                                        std::to_string(sample_rate_hz) + " Hz, " +
                                        std::to_string(channels) +
                                        " channels); use 1..16 channels at a positive rate");
  }
  file_.reset(std::fopen(path.c_str(), "wb"));
  if (!file_) {
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
  if (std::fwrite(header.data(), 1, header.size(), file_.get()) != header.size() ||
      std::fflush(file_.get()) != 0) {
    const int error_number = errno;
    file_.reset();
    fail(error_number);
  }
}

WavWriter::~WavWriter() {
  try {
    close();
  } catch (...) { // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

void WavWriter::write(std::span<const int16_t> samples) {
  if (!file_ || samples.empty()) {
    return;
  }
  // WAV samples are little-endian whatever the host's order.
  std::array<uint8_t, 2 * 1024> bytes;
  std::size_t done = 0;
  while (done < samples.size()) {
    const std::size_t n = std::min(samples.size() - done, bytes.size() / 2);
    for (std::size_t i = 0; i < n; ++i) {
      put_u16(bytes.data() + 2 * i, static_cast<uint16_t>(samples[done + i]));
    }
    if (std::fwrite(bytes.data(), 2, n, file_.get()) != n) {
      fail(errno);
    }
    done += n;
  }
  samples_written_ += samples.size();
  if (samples_written_ - samples_at_header_ >=
      static_cast<uint64_t>(sample_rate_hz_) * static_cast<uint64_t>(channels_)) {
    update_header();
  }
}

// Data first, then the sizes: the header never claims bytes not yet handed to the kernel.
void WavWriter::update_header() {
  std::FILE *f = file_.get();
  const uint32_t bytes = data_size(samples_written_ * 2);
  std::array<uint8_t, 4> riff{};
  std::array<uint8_t, 4> data{};
  put_u32(riff.data(), bytes + (kHeaderBytes - 8));
  put_u32(data.data(), bytes);
  if (std::fflush(f) != 0 || std::fseek(f, kRiffSizeOffset, SEEK_SET) != 0 ||
      std::fwrite(riff.data(), 1, 4, f) != 4 || std::fseek(f, kDataSizeOffset, SEEK_SET) != 0 ||
      std::fwrite(data.data(), 1, 4, f) != 4 || std::fseek(f, 0, SEEK_END) != 0 ||
      std::fflush(f) != 0) {
    fail(errno);
  }
  samples_at_header_ = samples_written_;
}

void WavWriter::close() {
  if (!file_) {
    return;
  }
  try {
    update_header();
  } catch (...) {
    file_.reset();
    throw;
  }
  std::FILE *f = file_.release();
  if (std::fclose(f) != 0) {
    fail(errno);
  }
}

void WavWriter::fail(int error_number) const {
  throw Error(Error::Kind::Media, "cannot write '" + path_ + "': " + std::strerror(error_number) +
                                      "; check the directory exists and is writable");
}

} // namespace roomcast::receive
