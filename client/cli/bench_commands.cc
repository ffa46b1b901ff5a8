// `cairn bench produce|consume|e2e`: registration and help text.
#include "client/cli/bench_commands.h"

#include "client/cli/bench_support.h"

namespace cairn::cli {

std::vector<Command> BenchCommands() {
  const std::string common =
      "Prints records/s, MB/s (key + value bytes, 10^6 bytes per MB) and latency percentiles; a progress line\n"
      "goes to stderr once per second. --json prints one object: mode, topic, records, failed, bytes,\n"
      "record_size, seconds, records_per_sec, mb_per_sec, acks and compression (not for consume), latency,\n"
      "latency_us{p50,p99,p999,max}. -s is at most what max.request.size admits (1 MiB unless -X raises it),\n"
      "and at most 1 GiB.\n";
  return {
      {"bench produce", "", "Measure produce throughput and send-to-acknowledgement latency", BenchFlags(),
       RunBenchProduce, common + "Example:\n  cairn bench produce -n 1000000 -s 1KiB -p 6 --linger 5ms --json\n", 0, 0},
      {"bench consume", "", "Measure consume throughput (writes the records first if the topic has too few)",
       BenchFlags(), RunBenchConsume,
       common + "Latency here is the time of each Poll that returned records. The topic is read from the beginning\n"
                "of every partition; it is filled up to --count records first when it holds fewer. record_size is\n"
                "the mean key + value size of the records read.\n",
       0, 0},
      {"bench e2e", "", "Measure produce-to-consume latency (the send time travels in each record)", BenchFlags(),
       RunBenchEndToEnd,
       common + "A consumer reads from the end of every partition while the producer sends; each record's first 8\n"
                "bytes carry its send time, so latency covers produce, replication/fsync and fetch.\n"
                "Example:\n  cairn bench e2e -n 100000 --rate 20000 --json\n",
       0, 0},
  };
}

}  // namespace cairn::cli
