// The `cairn` command-line tool: finds the verb named by argv, parses its
// flags and runs it. main() only calls Main (client/cli/main.cc).
#pragma once

namespace cairn::cli {

// Returns the process exit status (command.h: 0, 1 failure, 2 usage).
int Main(int argc, char** argv);

}  // namespace cairn::cli
