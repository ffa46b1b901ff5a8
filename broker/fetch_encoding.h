// Encodes a Fetch response body as frame pieces (io::Connection::SendPieces)
// with each partition's records kept out of the encoded bytes: record
// batches go to the socket straight from their segment file or buffer,
// never copied into the body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/connection.h"
#include "proto/kafka/generated/fetch.h"

namespace cairn::broker {

// The records of one partition of the response: responses[topic]
// .partitions[partition] of the FetchResponse.
struct FetchRecordsPiece {
  size_t topic = 0;
  size_t partition = 0;
  io::Connection::Piece records;  // owned bytes or a file range
};

// The pieces whose concatenation is exactly what
// kafka::EncodeToBuffer(response, version) would give with each listed
// partition's `records` set to the piece's bytes (the records already in
// `response` for those partitions are ignored). Any Fetch version; at most
// one piece per partition.
std::vector<io::Connection::Piece> EncodeFetchResponse(kafka::FetchResponse response, int16_t version,
                                                       std::vector<FetchRecordsPiece> records);

}  // namespace cairn::broker
