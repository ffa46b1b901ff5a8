// Consumer group liveness on a real cairnd: a member that stops polling past
// max.poll.interval.ms, a member that learns from a refused commit that the
// group went on without it, a member fenced while its process was stopped
// (SIGSTOP past its session), and CommitAsync's callbacks (once each, in
// order, REBALANCE_IN_PROGRESS while rejoining, ILLEGAL_GENERATION once the
// generation is gone).
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/integration/consumer_test_support.h"
#include "client/kafka_error.h"

namespace cairn::client::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// Short group timers for the whole file; no initial rebalance delay.
std::vector<std::string> FastGroups() {
  return {"group.initial.rebalance.delay.ms=0", "group.min.session.timeout.ms=1000"};
}

std::string Names(const std::vector<TopicPartitionOffset>& partitions) {
  std::vector<std::string> names;
  for (const auto& p : partitions) names.push_back(absl::StrCat(p.topic, "-", p.partition));
  std::sort(names.begin(), names.end());
  return absl::StrJoin(names, ",");
}

// Keeps the listener calls as lines: "assigned t-0,t-1", "revoked ...", "lost ...".
class Recorder : public RebalanceListener {
 public:
  void OnAssigned(const std::vector<TopicPartitionOffset>& p) override { Add("assigned " + Names(p)); }
  void OnRevoked(const std::vector<TopicPartitionOffset>& p) override { Add("revoked " + Names(p)); }
  void OnLost(const std::vector<TopicPartitionOffset>& p) override { Add("lost " + Names(p)); }
  std::vector<std::string> log;

 protected:
  virtual void Add(std::string line) { log.push_back(std::move(line)); }
};

int16_t CodeOf(const absl::Status& status) { return KafkaErrorCodeOf(status).value_or(status.ok() ? 0 : -1); }

// Polls `consumers` in turn until `done` holds (fails after `limit`).
template <typename Done>
void PollUntilDone(std::vector<Consumer*> consumers, Done done, std::vector<ConsumerRecord>* sink = nullptr,
                   seconds limit = seconds(60)) {
  const auto deadline = steady_clock::now() + limit;
  while (!done()) {
    REQUIRE_MESSAGE(steady_clock::now() < deadline, "gave up waiting");
    for (Consumer* c : consumers) {
      auto polled = c->Poll(milliseconds(20));
      REQUIRE_MESSAGE(polled.ok(), polled.status().ToString());
      if (sink != nullptr) sink->insert(sink->end(), polled->begin(), polled->end());
    }
  }
}

// Records which CommitAsync callback ran, with which Kafka error code.
struct CommitLog {
  std::vector<std::pair<int, int16_t>> calls;
  std::function<void(absl::Status)> Callback(int id) {
    return [this, id](absl::Status s) { calls.push_back({id, CodeOf(s)}); };
  }
};

int64_t CommittedOffset(Consumer& c, const std::string& topic, int32_t partition) {
  auto committed = c.Committed({{topic, partition, kOffsetCommitted, {}}});
  REQUIRE_MESSAGE(committed.ok(), committed.status().ToString());
  REQUIRE(committed->size() == 1);
  return (*committed)[0].offset;
}

TEST_CASE("Consumer: a member that stops polling past max.poll.interval.ms loses its partitions, it learns at its "
          "next poll (OnLost, commits fail with ILLEGAL_GENERATION) and rejoins") {
  CairndProcess broker(FastGroups());
  broker.Start();
  auto admin = MakeAdmin(broker);
  const std::string topic = "idle";
  CreateTopicAndWait(*admin, topic, 2);

  ConsumerConfig a_config = ConsumerConfigFor(broker, "g-idle");
  a_config.client_id = "a-idle";
  a_config.enable_auto_commit = false;
  a_config.max_poll_interval_ms = 3000;
  ConsumerConfig b_config = a_config;
  b_config.client_id = "b-busy";
  b_config.max_poll_interval_ms = 60000;
  Recorder a_events;
  Recorder b_events;
  auto a = MakeConsumer(a_config);
  auto b = MakeConsumer(b_config);
  REQUIRE(a->Subscribe({topic}, &a_events).ok());
  REQUIRE(b->Subscribe({topic}, &b_events).ok());
  PollUntilDone({a.get(), b.get()}, [&] { return a->Assignment().size() == 1 && b->Assignment().size() == 1; });

  ProduceSpread(broker, topic, 2, 0, 10);  // v0, v2, ... on partition 0; v1, v3, ... on 1
  std::vector<ConsumerRecord> read;
  PollUntilDone({a.get(), b.get()}, [&] { return read.size() == 10; }, &read);
  REQUIRE(a->CommitSync().ok());
  REQUIRE(b->CommitSync().ok());
  const int32_t a_partition = a->Assignment()[0].partition;
  const std::string a_name = absl::StrCat(topic, "-", a_partition);
  const std::vector<std::string> a_before = a_events.log;
  REQUIRE(a_before.back() == "assigned " + a_name);

  // Only B polls from now on. A's io thread leaves the group once 3 s
  // passed without a poll; the group rebalances and B gets both partitions.
  REQUIRE(a->Poll(milliseconds(0)).ok());
  const auto idle_since = steady_clock::now();
  PollUntilDone({b.get()}, [&] { return b->Assignment().size() == 2; });
  CHECK(steady_clock::now() - idle_since >= milliseconds(2900));  // not before A's poll interval ran out
  CHECK(a_events.log == a_before);  // A's listener runs only inside A's Poll

  // A commits before polling: its generation is gone, so both commits fail
  // with ILLEGAL_GENERATION, and nothing reaches the group.
  CommitLog commits;
  a->CommitAsync(commits.Callback(1));
  a->CommitAsync({{topic, a_partition, 1, {}}}, commits.Callback(2));
  CHECK(commits.calls.empty());
  PollUntilDone({a.get()}, [&] { return commits.calls.size() >= 2; }, nullptr, seconds(10));
  CHECK(commits.calls == std::vector<std::pair<int, int16_t>>{{1, kafka_error::kIllegalGeneration},
                                                              {2, kafka_error::kIllegalGeneration}});
  // The same poll ran OnLost (never OnRevoked: the partition may be B's already).
  std::vector<std::string> expected = a_before;
  expected.push_back("lost " + a_name);
  CHECK(a_events.log == expected);
  CHECK(CommittedOffset(*b, topic, a_partition) == 5);

  // A rejoins at that poll; the group settles with one partition each.
  // Assignment() changes on the io thread, OnAssigned only at A's next
  // Poll: wait for both.
  PollUntilDone({a.get(), b.get()}, [&] {
    return a->Assignment().size() == 1 && b->Assignment().size() == 1 && a_events.log.size() > expected.size();
  });
  CHECK(a_events.log.size() == expected.size() + 1);
  CHECK(a_events.log.back().rfind("assigned ", 0) == 0);
  for (size_t i = a_before.size(); i < a_events.log.size(); ++i) CHECK(a_events.log[i].rfind("revoked", 0) != 0);

  // Back in a generation, A's commits succeed again.
  a->CommitAsync(commits.Callback(3));
  PollUntilDone({a.get(), b.get()}, [&] { return commits.calls.size() >= 3; }, nullptr, seconds(10));
  CHECK(commits.calls.back() == std::pair<int, int16_t>{3, 0});
  CHECK(commits.calls.size() == 3);
  CHECK(a->Close().ok());
  CHECK(b->Close().ok());
}

TEST_CASE("Consumer: a group's partitions appear in Assignment in the Poll that runs their OnAssigned, not before") {
  CairndProcess broker(FastGroups());
  broker.Start();
  auto admin = MakeAdmin(broker);
  const std::string topic = "announced";
  CreateTopicAndWait(*admin, topic, 2);

  ConsumerConfig config = ConsumerConfigFor(broker, "g-announced");
  config.enable_auto_commit = false;
  Recorder events;
  auto consumer = MakeConsumer(config);
  REQUIRE(consumer->Subscribe({topic}, &events).ok());
  // The first Poll starts the join, which the io thread then carries
  // through SyncGroup on its own: wait, without polling, until the
  // coordinator has handed both partitions out, and a little for its answer
  // to land.
  REQUIRE(consumer->Poll(milliseconds(0)).ok());
  CHECK(events.log.empty());
  const auto deadline = steady_clock::now() + seconds(30);
  while (true) {
    REQUIRE(steady_clock::now() < deadline);
    absl::StatusOr<GroupDescription> group = admin->DescribeGroup("g-announced").get();
    if (group.ok() && group->state == "Stable" && group->members.size() == 1) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  std::this_thread::sleep_for(milliseconds(500));
  CHECK(consumer->Assignment().empty());  // not announced yet
  CHECK(events.log.empty());
  REQUIRE(consumer->Poll(milliseconds(0)).ok());
  CHECK(events.log == std::vector<std::string>{"assigned announced-0,announced-1"});
  CHECK(Names(consumer->Assignment()) == "announced-0,announced-1");
  CHECK(consumer->Close().ok());
}

TEST_CASE("Consumer: a commit is the first to learn that the group went on without the member (UNKNOWN_MEMBER_ID "
          "before any heartbeat): OnLost at the next poll, then it rejoins") {
  CairndProcess broker(FastGroups());
  broker.Start();
  auto admin = MakeAdmin(broker);
  const std::string topic = "unheard";
  CreateTopicAndWait(*admin, topic, 2);

  // A heartbeats only every 20 s, so it does not hear of the rebalance B's
  // join starts. Both members' max.poll.interval.ms (the rebalance timeout)
  // is 2 s: the coordinator finishes that rebalance without A after 2 s.
  ConsumerConfig a_config = ConsumerConfigFor(broker, "g-unheard");
  a_config.client_id = "a-unheard";
  a_config.enable_auto_commit = false;
  a_config.session_timeout_ms = 30000;
  a_config.heartbeat_interval_ms = 20000;
  a_config.max_poll_interval_ms = 2000;
  Recorder a_events;
  auto a = MakeConsumer(a_config);
  REQUIRE(a->Subscribe({topic}, &a_events).ok());
  PollUntilDone({a.get()}, [&] { return a->Assignment().size() == 2; });
  INFO("A's rebalance callbacks: " << absl::StrJoin(a_events.log, " | "));
  REQUIRE(a_events.log == std::vector<std::string>{"assigned unheard-0,unheard-1"});
  ProduceSpread(broker, topic, 2, 0, 6);
  std::vector<ConsumerRecord> read;
  PollUntilDone({a.get()}, [&] { return read.size() == 6; }, &read);
  REQUIRE(a->CommitSync().ok());

  ConsumerConfig b_config = a_config;
  b_config.client_id = "b-unheard";
  b_config.heartbeat_interval_ms = 500;
  auto b = MakeConsumer(b_config);
  REQUIRE(b->Subscribe({topic}).ok());
  // A keeps polling (within its poll interval) but has no heartbeat due.
  const auto b_joined = steady_clock::now();
  PollUntilDone({a.get(), b.get()}, [&] { return b->Assignment().size() == 2; });
  REQUIRE(steady_clock::now() - b_joined < seconds(15));  // A's next heartbeat is 20 s after its last
  CHECK(a->Assignment().size() == 2);  // A still believes it owns both
  CHECK(a_events.log == std::vector<std::string>{"assigned unheard-0,unheard-1"});

  // A's commit is refused (A is no longer a member) and writes nothing.
  const absl::Status refused = a->CommitSync({{topic, 0, 1, {}}});
  CHECK(CodeOf(refused) == kafka_error::kUnknownMemberId);
  CHECK(CommittedOffset(*b, topic, 0) == 3);

  // The refusal alone tells A: it runs OnLost (not OnRevoked) at once, long
  // before a heartbeat could have told it (its next is 20 s after its last,
  // which preceded B's join). Then A rejoins under a new member id and the
  // group settles with one partition each.
  PollUntilDone({a.get(), b.get()}, [&] { return a_events.log.size() >= 2; }, nullptr, seconds(5));
  CHECK(a_events.log[1] == "lost unheard-0,unheard-1");
  PollUntilDone({a.get(), b.get()}, [&] {
    return a_events.log.size() >= 3 && a->Assignment().size() == 1 && b->Assignment().size() == 1;
  });
  CHECK(a_events.log[2].rfind("assigned unheard-", 0) == 0);
  CHECK(a_events.log[2].find(',') == std::string::npos);
  CHECK(a->CommitSync().ok());
  CHECK(a->Close().ok());
  CHECK(b->Close().ok());
}

TEST_CASE("Consumer: CommitAsync callbacks run once each, in call order: REBALANCE_IN_PROGRESS while the member "
          "rejoins, then success") {
  CairndProcess broker(FastGroups());
  broker.Start();
  auto admin = MakeAdmin(broker);
  const std::string topic = "rejoin";
  CreateTopicAndWait(*admin, topic, 4);

  ConsumerConfig config = ConsumerConfigFor(broker, "g-rejoin");
  config.assignor = "cooperative-sticky";
  config.enable_auto_commit = false;
  config.heartbeat_interval_ms = 200;
  config.max_poll_interval_ms = 60000;  // also the rebalance timeout: C is waited for
  ConsumerConfig a_config = config;
  a_config.client_id = "a";
  ConsumerConfig c_config = config;
  c_config.client_id = "c";
  auto a = MakeConsumer(a_config);
  auto c = MakeConsumer(c_config);
  REQUIRE(a->Subscribe({topic}).ok());
  REQUIRE(c->Subscribe({topic}).ok());
  PollUntilDone({a.get(), c.get()}, [&] { return a->Assignment().size() == 2 && c->Assignment().size() == 2; });
  ProduceSpread(broker, topic, 4, 0, 8);
  std::vector<ConsumerRecord> read;
  PollUntilDone({a.get(), c.get()}, [&] { return read.size() == 8; }, &read);
  REQUIRE(a->CommitSync().ok());
  const std::vector<TopicPartitionOffset> a_positions = a->Positions();
  REQUIRE(a_positions.size() == 2);

  // B joins: the group prepares a rebalance. A polls and rejoins
  // (cooperative: it keeps its partitions meanwhile); C does not poll, so
  // the coordinator keeps waiting for it and A stays in the rebalance.
  ConsumerConfig b_config = config;
  b_config.client_id = "b";
  auto b = MakeConsumer(b_config);
  REQUIRE(b->Subscribe({topic}).ok());
  const auto until = steady_clock::now() + milliseconds(1500);
  PollUntilDone({a.get(), b.get()}, [&] { return steady_clock::now() >= until; });
  REQUIRE(a->Assignment().size() == 2);

  CommitLog commits;
  a->CommitAsync(commits.Callback(1));
  a->CommitAsync({{topic, a_positions[0].partition, 1, {}}}, commits.Callback(2));
  PollUntilDone({a.get()}, [&] { return commits.calls.size() >= 2; }, nullptr, seconds(10));
  CHECK(commits.calls == std::vector<std::pair<int, int16_t>>{{1, kafka_error::kRebalanceInProgress},
                                                              {2, kafka_error::kRebalanceInProgress}});
  // Nothing was committed by the refused commits. Asked through the admin
  // client: A's own OffsetFetch would queue behind its JoinGroup on the
  // coordinator connection (a broker answers a connection's requests in
  // order) until the rebalance ends.
  absl::StatusOr<std::vector<PartitionOffset>> committed = admin->ListGroupOffsets("g-rejoin").get();
  REQUIRE(committed.ok());
  for (const auto& p : a_positions) {
    CHECK(std::find(committed->begin(), committed->end(), PartitionOffset{topic, p.partition, p.offset}) !=
          committed->end());
  }

  // C polls too: the rebalance completes (2 + 1 + 1 partitions), and A's
  // next commit, with the new generation, succeeds.
  PollUntilDone({a.get(), b.get(), c.get()}, [&] {
    return a->Assignment().size() + b->Assignment().size() + c->Assignment().size() == 4 && b->Assignment().size() == 1;
  });
  // Let every member process the final SyncGroup answer.
  const auto settle = steady_clock::now() + milliseconds(1000);
  PollUntilDone({a.get(), b.get(), c.get()}, [&] { return steady_clock::now() >= settle; });
  const std::vector<TopicPartitionOffset> now_positions = a->Positions();
  a->CommitAsync(commits.Callback(3));
  a->CommitAsync(commits.Callback(4));
  PollUntilDone({a.get(), b.get(), c.get()}, [&] { return commits.calls.size() >= 4; }, nullptr, seconds(10));
  CHECK(commits.calls == std::vector<std::pair<int, int16_t>>{{1, kafka_error::kRebalanceInProgress},
                                                              {2, kafka_error::kRebalanceInProgress},
                                                              {3, 0},
                                                              {4, 0}});
  for (const auto& p : now_positions) CHECK(CommittedOffset(*a, topic, p.partition) == p.offset);

  // A commit still queued at Close completes there (exactly once).
  a->CommitAsync(commits.Callback(5));
  CHECK(a->Close().ok());
  REQUIRE(commits.calls.size() == 5);
  CHECK(commits.calls.back() == std::pair<int, int16_t>{5, 0});
  CHECK(b->Close().ok());
  CHECK(c->Close().ok());
}

// ---- a member in a child process, stopped with SIGSTOP ----

// Writes each listener call as a line to a pipe.
class PipeRecorder : public Recorder {
 public:
  explicit PipeRecorder(int fd) : fd_(fd) {}

 protected:
  void Add(std::string line) override {
    log.push_back(line);
    line += "\n";
    (void)!write(fd_, line.data(), line.size());
  }

 private:
  int fd_;
};

// The child: waits for "go", joins, polls until it was assigned, lost and
// assigned again, then closes. Exit status 0 on that path.
int RunStoppableMember(const std::string& bootstrap, int in, int out) {
  char go = 0;
  if (read(in, &go, 1) != 1) return 2;
  ConsumerConfig config;
  config.bootstrap_servers = bootstrap;
  config.client_id = "stopped";
  config.group_id = "g-fenced";
  config.enable_auto_commit = false;
  config.session_timeout_ms = 1500;
  config.heartbeat_interval_ms = 300;
  config.max_poll_interval_ms = 120000;  // only the session may expire
  auto consumer = Consumer::Create(config);
  if (!consumer.ok()) return 3;
  PipeRecorder events(out);
  if (!(*consumer)->Subscribe({"fenced"}, &events).ok()) return 4;
  const auto deadline = steady_clock::now() + seconds(120);
  while (steady_clock::now() < deadline) {
    if (!(*consumer)->Poll(milliseconds(50)).ok()) return 5;
    const auto& log = events.log;
    const auto lost = std::find_if(log.begin(), log.end(), [](const std::string& l) { return l.rfind("lost", 0) == 0; });
    if (lost != log.end() && std::find_if(lost, log.end(), [](const std::string& l) {
                               return l.rfind("assigned", 0) == 0;
                             }) != log.end()) {
      return (*consumer)->Close().ok() ? 0 : 6;
    }
  }
  return 7;
}

// Reads lines from `fd` (non-blocking, by poll) into `lines`.
void ReadLines(int fd, std::string& partial, std::vector<std::string>& lines) {
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 0) > 0 && (p.revents & POLLIN) != 0) {
    char buffer[256];
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n <= 0) return;
    partial.append(buffer, static_cast<size_t>(n));
    for (size_t nl; (nl = partial.find('\n')) != std::string::npos;) {
      lines.push_back(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
  }
}

TEST_CASE("Consumer: a member whose session expired while its process was stopped runs OnLost, not OnRevoked, "
          "and rejoins") {
  CairndProcess broker(FastGroups());
  broker.Start();
  int to_child[2];
  int to_parent[2];
  REQUIRE(pipe(to_child) == 0);
  REQUIRE(pipe(to_parent) == 0);
  // Fork before this process starts any thread (the Admin's io thread), so
  // the child starts from a plain single-threaded copy.
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(to_child[1]);
    close(to_parent[0]);
    _exit(RunStoppableMember(broker.bootstrap(), to_child[0], to_parent[1]));
  }
  close(to_child[0]);
  close(to_parent[1]);
  auto admin = MakeAdmin(broker);
  CreateTopicAndWait(*admin, "fenced", 2);
  REQUIRE(write(to_child[1], "g", 1) == 1);

  std::vector<std::string> lines;
  std::string partial;
  const auto assigned_deadline = steady_clock::now() + seconds(30);
  while (lines.empty() && steady_clock::now() < assigned_deadline) {
    ReadLines(to_parent[0], partial, lines);
    std::this_thread::sleep_for(milliseconds(20));
  }
  REQUIRE(lines == std::vector<std::string>{"assigned fenced-0,fenced-1"});

  // Stop the child for longer than its session: the coordinator expires it
  // and B, joining meanwhile, gets both partitions.
  REQUIRE(kill(child, SIGSTOP) == 0);
  ConsumerConfig b_config = ConsumerConfigFor(broker, "g-fenced");
  b_config.client_id = "b";
  b_config.enable_auto_commit = false;
  auto b = MakeConsumer(b_config);
  REQUIRE(b->Subscribe({"fenced"}).ok());
  PollUntilDone({b.get()}, [&] { return b->Assignment().size() == 2; });
  REQUIRE(kill(child, SIGCONT) == 0);

  // The child learns it was fenced: OnLost with everything it had, then it
  // rejoins and gets one partition; B keeps polling so the group settles.
  int status = 0;
  const auto child_deadline = steady_clock::now() + seconds(60);
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (steady_clock::now() > child_deadline) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      FAIL("the stopped member never finished; its log: " << absl::StrJoin(lines, " | "));
    }
    ReadLines(to_parent[0], partial, lines);
    (void)b->Poll(milliseconds(20));
  }
  ReadLines(to_parent[0], partial, lines);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[1] == "lost fenced-0,fenced-1");
  CHECK(lines[2].rfind("assigned fenced-", 0) == 0);
  CHECK(lines[2].find(',') == std::string::npos);  // one partition of two
  // (Its Close afterwards revokes what it then owns; that may follow.)
  close(to_child[1]);
  close(to_parent[0]);
  CHECK(b->Close().ok());
}

}  // namespace
}  // namespace cairn::client::testing
