"""Kinesis as AWS documents it: a record goes to the open shard whose hash range holds its key, a split or merge
leaves the parent its own records, a closed shard's reading ends with its children, and every call runs one at a time
(moto's models are not thread-safe). See `__main__` for what moto does instead."""

import bisect
import hashlib
from collections import OrderedDict

from fair_lock import FairLock
from moto.core.responses import ActionResult
from moto.kinesis import models as kinesis_models
from moto.kinesis import responses as kinesis_responses
from moto.kinesis.exceptions import InvalidArgumentError
from moto.kinesis.utils import decompose_shard_iterator
from patching import patch, serialise

HASH_KEYS = 2**128
MAX_PARTITION_KEY = 256

Stream = kinesis_models.Stream
Backend = kinesis_models.KinesisBackend
kinesis_lock = FairLock()


# One Kinesis call at a time.
serialise(Backend, kinesis_lock)


@patch(Stream, "get_shard_for_key")
def get_shard_for_key(previous, self, partition_key, explicit_hash_key):
    if not isinstance(partition_key, str) or len(partition_key) > MAX_PARTITION_KEY:
        raise InvalidArgumentError("partition_key")
    if explicit_hash_key:
        key = int(explicit_hash_key)
        if key >= HASH_KEYS:
            raise InvalidArgumentError("explicit_hash_key")
    else:
        key = int(hashlib.md5(partition_key.encode("utf-8")).hexdigest(), 16)
    # Hash ranges are inclusive at both ends.
    for shard in self.shards.values():
        if shard.is_open and shard.starting_hash <= key <= shard.ending_hash:
            return shard
    return None


@patch(kinesis_models.Shard, "get_records")
def shard_get_records(previous, self, last_sequence_id, limit):
    last = int(last_sequence_id)
    # Ascending: put_record numbers each record one past the shard's highest.
    keys = list(self.records)
    start = bisect.bisect_right(keys, last)
    chosen = keys[start : start + limit] if limit else keys[start:]
    if not chosen:
        return [], last, 0
    results = [self.records[key] for key in chosen]
    behind = self.records[keys[-1]].created_at - results[-1].created_at
    return results, chosen[-1], int(behind * 1000)


@patch(kinesis_models.Shard, "get_max_sequence_number")
def get_max_sequence_number(previous, self):
    # `records` is ordered by sequence number (put_record appends one past the highest).
    return next(reversed(self.records), 0)


@patch(kinesis_models.Shard, "get_min_sequence_number")
def get_min_sequence_number(previous, self):
    return next(iter(self.records), 0)


@patch(Stream, "split_shard")
def split_shard(previous, self, shard_to_split, new_starting_hash_key):
    with kinesis_lock:
        parent = self.shards.get(shard_to_split)
        kept = parent.records if parent is not None else None
        before = set(self.shards)
        previous(self, shard_to_split, new_starting_hash_key)
        for shard_id in set(self.shards) - before:
            self.shards[shard_id].records = OrderedDict()
        parent.records = kept


@patch(Stream, "merge_shards")
def merge_shards(previous, self, shard_to_merge, adjacent_shard_to_merge):
    with kinesis_lock:
        before = set(self.shards)
        previous(self, shard_to_merge, adjacent_shard_to_merge)
        for shard_id in set(self.shards) - before:
            self.shards[shard_id].records = OrderedDict()


@patch(kinesis_responses.KinesisResponse, "get_records")
def get_records(previous, self):
    stream_arn = self._get_param("StreamARN")
    with kinesis_lock:
        next_iterator, records, millis_behind = self.kinesis_backend.get_records(
            stream_arn, self._get_param("ShardIterator"), self._get_param("Limit")
        )
        stream_name, shard_id, last = decompose_shard_iterator(next_iterator)
        stream = self.kinesis_backend.describe_stream(
            stream_arn=stream_arn, stream_name=None if stream_name == "None" else stream_name
        )
        shard = stream.get_shard(shard_id)
        result = {"Records": [record.to_json() for record in records], "MillisBehindLatest": millis_behind}
        if shard.is_open or int(last) < shard.get_max_sequence_number():
            result["NextShardIterator"] = next_iterator
        else:
            children = [s for s in stream.shards.values() if shard_id in (s.parent, s.adjacent_parent)]
            result["ChildShards"] = [
                {
                    "ShardId": child.shard_id,
                    "ParentShards": [p for p in (child.parent, child.adjacent_parent) if p],
                    "HashKeyRange": {
                        "StartingHashKey": str(child.starting_hash),
                        "EndingHashKey": str(child.ending_hash),
                    },
                }
                for child in children
            ]
    return ActionResult(result)
