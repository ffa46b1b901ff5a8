#include "storage/log_config.h"

namespace cairn::storage {

LogConfig LogConfigFromServer(const ServerConfig& server) {
  LogConfig config;
  config.segment_bytes = server.log_segment_bytes;
  config.segment_ms = server.log_roll_ms;
  config.index_interval_bytes = server.log_index_interval_bytes;
  config.retention_ms = server.log_retention_ms;
  config.retention_bytes = server.log_retention_bytes;
  config.cleanup_delete = server.log_cleanup_policy_delete;
  config.cleanup_compact = server.log_cleanup_policy_compact;
  config.delete_retention_ms = server.log_cleaner_delete_retention_ms;
  config.min_cleanable_dirty_ratio = server.log_cleaner_min_cleanable_ratio;
  config.max_batch_bytes = server.message_max_bytes;
  config.preallocate = server.log_preallocate;
  return config;
}

}  // namespace cairn::storage
