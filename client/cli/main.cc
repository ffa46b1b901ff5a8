// The `cairn` executable; everything lives in client/cli (cli.h).
#include "client/cli/cli.h"
#include "common/freed_memory.h"

int main(int argc, char** argv) {
  // The producer's batches and the consumer's fetch responses are large
  // buffers freed and allocated again at full speed; keeping freed memory
  // saves their page faults (docs/benchmarks.md "Freed memory kept for reuse").
  cairn::RetainFreedMemory(size_t{256} << 20);
  return cairn::cli::Main(argc, argv);
}
