// The three bench modes (bench_produce.cc, bench_consume.cc, bench_e2e.cc).
#pragma once

#include "client/cli/command.h"

namespace cairn::cli {

int RunBenchProduce(const Context& context);
int RunBenchConsume(const Context& context);
int RunBenchEndToEnd(const Context& context);

}  // namespace cairn::cli
