// Ctrl-C (SIGINT) and SIGTERM as a flag the long-running verbs poll, so they
// stop reading, flush or commit, and exit cleanly instead of dying mid-write.
#pragma once

namespace cairn::cli {

// Installs the handlers without SA_RESTART: a blocking read of stdin then
// returns EINTR and the verb sees Interrupted().
void InstallInterruptHandler();
bool Interrupted();

}  // namespace cairn::cli
