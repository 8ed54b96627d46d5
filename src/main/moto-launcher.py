"""moto_server, with CloudWatch Logs -> Kinesis delivery and resharding kept to AWS's contract.

The local stack runs this instead of `moto_server` (same arguments, same recorder). moto is pinned by the
toolchain installer, so patching its internals is stable; a patched function that is missing stops the
launcher at once with a message, instead of an emulator that silently breaks the contract again.

What moto does, and what AWS promises instead (and the patches do):
- A subscription filter delivers each PutLogEvents call to Kinesis under a random partition key, so one
  log stream's records spread over every shard. AWS (`distribution: ByLogStream`) keeps one stream's
  events on one shard, in order: the partition key here is the log stream's name.
- Event ids go out as integers; AWS's are strings (the same as FilterLogEvents' `eventId`).
- Creating a filter sends nothing; AWS first writes a CONTROL_MESSAGE record to check the destination.
- A log group with two filters refuses an update of one of them; AWS limits only new filters.
- A record goes to the first shard whose hash range holds its key, closed ones included, so after a
  split every record still lands on the closed parent; a split or merge also moves the parent's records
  into the children. On AWS only open shards take records, and the parent keeps its own records.
- Reading a closed shard never ends; AWS ends it: no NextShardIterator, and its ChildShards.
- Kinesis models are not thread-safe, and moto serves requests on threads (delivery runs inside the
  PutLogEvents request): two records could take one sequence number. Kinesis calls are serialised, so
  GetRecords starts at its iterator's place instead of scanning the shard from its first record.
- Event ids come from a shared counter read and bumped without a lock, and a log stream's events are
  stored and then delivered: two PutLogEvents calls at once could share an id, or reach Kinesis in
  the other order than CloudWatch keeps them. PutLogEvents calls are serialised too.
"""

import bisect
import functools
import hashlib
import io
import json
import sys
import threading
import time
from base64 import b64encode
from collections import OrderedDict
from gzip import GzipFile

import moto
from moto.core.responses import ActionResult
from moto.kinesis import models as kinesis_models
from moto.kinesis import responses as kinesis_responses
from moto.kinesis.exceptions import InvalidArgumentError
from moto.kinesis.utils import decompose_shard_iterator
from moto.logs import models as logs_models
from moto.server import main

HASH_KEYS = 2**128
MAX_PARTITION_KEY = 256


def original(owner, name):
    """The function being patched; exits when this moto has no such function."""
    function = owner.__dict__.get(name)
    if not callable(function):
        sys.stderr.write(
            f"moto-launcher: moto {moto.__version__} has no {owner.__name__}.{name}; "
            "the patches in src/main/moto-launcher.py are written for the moto the toolchain pins\n"
        )
        sys.exit(3)
    return function


def patch(owner, name):
    """Replaces owner.name by the decorated function, which gets the original as its first argument."""

    def decorate(replacement):
        previous = original(owner, name)
        setattr(owner, name, functools.wraps(previous)(lambda *a, **k: replacement(previous, *a, **k)))
        return replacement

    return decorate


def gzip_json(payload):
    """A record's Data as moto keeps it: base64 of the gzipped JSON."""
    output = io.BytesIO()
    with GzipFile(fileobj=output, mode="w") as gz:
        gz.write(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    return b64encode(output.getvalue()).decode("ascii")


def partition_key(log_stream_name):
    # Kinesis takes keys of at most 256 characters; log stream names may have 512.
    if len(log_stream_name) <= MAX_PARTITION_KEY:
        return log_stream_name
    return hashlib.sha256(log_stream_name.encode("utf-8")).hexdigest()


Stream = kinesis_models.Stream
Backend = kinesis_models.KinesisBackend
kinesis_lock = threading.RLock()

# One Kinesis call at a time (public backend methods: what requests and subscription delivery call).
for _name, _function in list(vars(Backend).items()):
    if not _name.startswith("_") and callable(_function) and not isinstance(_function, (staticmethod, classmethod)):

        @patch(Backend, _name)
        def _serialised(previous, *args, **kwargs):
            with kinesis_lock:
                return previous(*args, **kwargs)


@patch(Backend, "send_log_event")
def send_log_event(previous, self, delivery_stream_arn, filter_name, log_group_name, log_stream_name, log_events):
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": self.account_id,
        "logGroup": log_group_name,
        "logStream": log_stream_name,
        "subscriptionFilters": [filter_name],
        "logEvents": [{**event, "id": str(event["id"])} for event in log_events],
    }
    with kinesis_lock:
        stream = self.describe_stream(stream_arn=delivery_stream_arn, stream_name=None)
        stream.put_record(partition_key=partition_key(log_stream_name), data=gzip_json(payload), explicit_hash_key="")


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


logs_lock = threading.RLock()  # re-entered when a subscription delivers to another log group


@patch(logs_models.LogStream, "put_log_events")
def put_log_events(previous, self, log_events):
    with logs_lock:
        return previous(self, log_events)


@patch(logs_models.LogGroup, "put_subscription_filter")
def put_subscription_filter(previous, self, filter_name, filter_pattern, destination_arn, role_arn):
    if filter_name in self.subscription_filters:
        self.subscription_filters[filter_name].update(filter_pattern, destination_arn, role_arn)
        return
    previous(self, filter_name, filter_pattern, destination_arn, role_arn)


@patch(logs_models.LogsBackend, "put_subscription_filter")
def put_backend_subscription_filter(previous, self, log_group_name, filter_name, filter_pattern, destination_arn, role_arn):
    previous(self, log_group_name, filter_name, filter_pattern, destination_arn, role_arn)
    if destination_arn.split(":")[2] != "kinesis":
        return
    control = {
        "messageType": "CONTROL_MESSAGE",
        "owner": "CloudwatchLogs",
        "logGroup": "",
        "logStream": "",
        "subscriptionFilters": [],
        "logEvents": [
            {
                "id": "",
                "timestamp": int(time.time() * 1000),
                "message": "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream.",
            }
        ],
    }
    kinesis = kinesis_models.kinesis_backends[self.account_id][self.region_name]
    with kinesis_lock:
        stream = kinesis.describe_stream(stream_arn=destination_arn, stream_name=None)
        stream.put_record(partition_key=f"control-{filter_name}", data=gzip_json(control), explicit_hash_key="")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
