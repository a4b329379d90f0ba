// `roomcast report FILES...`: merge the JSON lines of `roomcast load` shards into one report.
#pragma once

#include <string>
#include <vector>

namespace roomcast::cli {

/// Runs the command on its arguments (after "report"); returns the exit status. Throws
/// UsageError for bad arguments and Error(Media) for an input it cannot read or use.
int run_report(const std::vector<std::string>& argv);

}  // namespace roomcast::cli
