// `roomcast report`: reads shard outputs (files or stdin), prints the merged LoadReport.
#include "cli/report.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/args.hpp"
#include "cli/load_report.hpp"
#include "roomcast/error.hpp"

namespace roomcast::cli {
namespace {

const char* const kReportHelp = R"(Usage: roomcast report FILE... [--json]

Merges the output of 'roomcast load --json' from any number of shards (processes, pods)
into one report: participants planned, joined and failed (with the first errors), join
time and time to first RTP (p50/p99/max, nearest-rank over all participants), frames sent,
late and underruns, listener loss and concealment, CPU (% of one core) and RSS per
participant. Lines that are not JSON objects (logs) are skipped and counted; progress
lines are ignored; a participant name seen twice is reported and counted once.

FILE is a file of JSON lines, or - for standard input, e.g.
  kubectl logs -l job-name=roomcast-load --tail=-1 > shards.jsonl
  roomcast report shards.jsonl

Options:
  --json   print the summary as one JSON object instead of a table
  --help   this text

Exit status: 0 when a report was printed (also when participants failed: read it);
2 usage errors; 3 when an input cannot be read or holds a malformed record, or the
inputs hold no load records at all.
)";

/// Feeds every line of `in` to the report; a malformed record becomes an input error.
void read_lines(std::istream& in, const std::string& name, LoadReport& report) {
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    try {
      report.add_line(line, name, number);
    } catch (const Error& e) {
      throw Error(Error::Kind::Media, e.what());
    }
  }
  if (in.bad())
    throw Error(Error::Kind::Media, "cannot read '" + name + "' after line " +
                                        std::to_string(number) + ": " + std::strerror(errno));
}

}  // namespace

int run_report(const std::vector<std::string>& argv) {
  Args args(argv, {}, {"help", "json"});
  if (args.has("help")) {
    std::cout << kReportHelp;
    return 0;
  }
  if (args.positional().empty())
    throw UsageError(
        "report needs FILE... (the output of 'roomcast load --json'; - reads standard input)");

  LoadReport report;
  bool stdin_read = false;
  for (const auto& path : args.positional()) {
    if (path == "-") {
      if (stdin_read) throw UsageError("report reads standard input (-) only once");
      stdin_read = true;
      read_lines(std::cin, "stdin", report);
      continue;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      throw Error(Error::Kind::Media, "cannot read '" + path +
                                          "': it is a directory; pass the files of JSON lines "
                                          "that 'roomcast load --json' printed");
    std::ifstream file(path);
    if (!file)
      throw Error(Error::Kind::Media,
                  "cannot open '" + path + "': " + std::strerror(errno) +
                      "; pass the files of JSON lines that 'roomcast load --json' printed "
                      "(e.g. kubectl logs ... > shards.jsonl), or - for standard input");
    read_lines(file, path, report);
  }
  if (report.records() == 0)
    throw Error(Error::Kind::Media,
                "no load records in the input (" + std::to_string(report.skipped_lines()) +
                    " non-JSON lines skipped): give the output of 'roomcast load --json'");

  if (args.has("json"))
    std::cout << report.summary().dump() << std::endl;
  else
    std::cout << report.text() << std::flush;
  return 0;
}

}  // namespace roomcast::cli
