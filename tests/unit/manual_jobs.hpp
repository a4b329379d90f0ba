// ManualJobs: a worker pool without threads for the EncodedTrack tests: jobs queue up and run
// when the test says.
#pragma once

#include <deque>
#include <functional>

#include "media/encoded_track.hpp"

namespace roomcast::media::test {

struct ManualJobs {
  std::deque<std::function<void()>> jobs;
  EncodedTrack::RunJob runner() {
    return [this](std::function<void()> job) { jobs.push_back(std::move(job)); };
  }
  void run_all() {
    while (!jobs.empty()) {
      auto job = std::move(jobs.front());
      jobs.pop_front();
      job();
    }
  }
};

}  // namespace roomcast::media::test
