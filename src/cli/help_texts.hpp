// The --help texts of the CLI's commands.
#pragma once

namespace roomcast::cli {

extern const char* const kMainHelp;
extern const char* const kPublishHelp;
extern const char* const kListenHelp;
extern const char* const kServerHelp;

}  // namespace roomcast::cli
