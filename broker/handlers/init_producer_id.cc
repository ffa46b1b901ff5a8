// InitProducerId: a fresh producer id (epoch 0) for an idempotent producer,
// allocated on shard 0. Transactional ids are refused until transactions
// exist.
#include "absl/strings/str_cat.h"
#include "broker/handlers/handler_util.h"
#include "broker/producer_ids.h"
#include "broker/shard_context.h"
#include "common/error_reason.h"
#include "proto/kafka/generated/init_producer_id.h"

namespace cairn::broker {

void HandleInitProducerId(ShardContext& shard, Request request, Respond respond) {
  kafka::InitProducerIdRequest decoded;
  if (!DecodeBody(request, &decoded, respond)) return;
  const int16_t version = request.version();
  if (decoded.transactional_id.has_value() && !decoded.transactional_id->empty()) {
    kafka::InitProducerIdResponse response;
    response.error_code = ErrorCodeOf(WithReason(
        absl::UnimplementedError("transactions are not supported yet"), ErrorReason::kInvalidRequest));
    RespondWith(respond, response, version);
    return;
  }
  shard.CallOnShard<absl::StatusOr<int64_t>>(
      0,
      [](ShardContext& controller, absl::AnyInvocable<void(absl::StatusOr<int64_t>) &&> reply) {
        controller.producer_ids()->Allocate(std::move(reply));
      },
      [version, respond = std::move(respond)](absl::StatusOr<int64_t> id) mutable {
        kafka::InitProducerIdResponse response;
        response.error_code = ErrorCodeOf(id.status());
        response.producer_id = id.ok() ? *id : -1;
        response.producer_epoch = id.ok() ? 0 : -1;
        RespondWith(respond, response, version);
      });
}

}  // namespace cairn::broker
