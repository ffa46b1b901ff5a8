// The `cairn` executable; everything lives in client/cli (cli.h).
#include "client/cli/cli.h"

int main(int argc, char** argv) { return cairn::cli::Main(argc, argv); }
