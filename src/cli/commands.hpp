// The CLI's commands, one file each, and what they share with main.
#pragma once

#include <string>
#include <vector>

namespace roomcast::cli {

/// Non-zero once SIGINT or SIGTERM arrived (the signal number).
int interrupted();

/// `roomcast load`: many participants in one process (load.cpp).
int run_load(const std::vector<std::string>& argv);

}  // namespace roomcast::cli
