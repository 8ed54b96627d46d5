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
- DynamoDB's conditional writes are atomic, and a transaction is all or nothing, isolated from other writes.
  moto checks a condition and then writes, unlocked, so two conditional puts of one key can both succeed; and a
  transaction copies each table it touches whole before it starts and, when a condition fails, puts that copy
  back, erasing every write other requests made meanwhile (acknowledged ones: a log store loses a chunk it was
  told was stored). DynamoDB calls are serialised, and a transaction checks every condition first, writes only
  when all hold, and undoes only its own items if a write fails: no table copy (slow on a large table) at all.
- Not about the contract, about throughput and fairness: moto's server logs a line for every request, and finds
  the backend of every request under one lock, checking the file system for moto's modules. Under the benchmarks'
  load that was close to half of its time. Requests are not logged (errors still are), and each host's backend is
  found once. The locks that serialise calls serve them in arrival order (see `FairLock`).
- Also for throughput: moto lists a response class's methods (inspect.getmembers) on every request, and a Kinesis
  shard copies all its sequence numbers into a list to find its highest, on every record put (so each PutLogEvents
  cost grew with the shard). The methods are listed once per class, and the shard's first and last numbers are read
  off the ends of its ordered records.
- Also for throughput: werkzeug's server closes the connection after every response (its handler cannot tell where a
  request body it did not read ends), so each request cost a new connection and a new thread on both sides, and a
  wait of up to 10 ms for the client to hang up. Under the benchmarks' load that, not moto's work, was what queued
  requests for seconds. A request whose body has a Content-Length is read whole before moto sees it, and its
  connection is kept.
- A Query reads one partition on DynamoDB; moto sorts every item of the table for each Query, so each one
  costs as much as the whole table (the test stack's shared table holds every test's logs). A Query of a
  table's partition looks at that partition only.
"""

import bisect
import collections
import copy
import functools
import hashlib
import inspect
import io
import json
import logging
import selectors
import sys
import threading
import time
import types
from base64 import b64encode
from collections import OrderedDict
from gzip import GzipFile

import moto
from moto import server as moto_server
from moto.core import responses as core_responses
from moto.core import serialize as core_serialize
from moto.core.responses import ActionResult
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.exceptions import MockValidationException, TransactionCanceledException
from moto.kinesis import models as kinesis_models
from moto.kinesis import responses as kinesis_responses
from moto.kinesis.exceptions import InvalidArgumentError
from moto.kinesis.utils import decompose_shard_iterator
from moto.logs import models as logs_models
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler
from werkzeug import serving as werkzeug_serving

HASH_KEYS = 2**128
MAX_PARTITION_KEY = 256


def original(owner, name):
    """The function being patched; exits when this moto has no such function."""
    function = owner.__dict__.get(name)
    if not callable(function):
        sys.stderr.write(
            f"moto-launcher: moto {moto.__version__} has no {owner.__name__}.{name}; "
            "the patches in src/devstack/moto-launcher.py are written for the moto the toolchain pins\n"
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


class FairLock:
    """A re-entrant lock that serves its waiters in arrival order. moto serves each request on a thread, and
    `threading.RLock` lets whichever thread runs grab it again: under a stream of PutLogEvents calls, a GetRecords
    call waited half a minute for the Kinesis lock. Here the lock is handed to the oldest waiter on release."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._waiters = collections.deque()
        self._owner = None
        self._depth = 0

    def __enter__(self):
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return self
            if self._owner is None:
                self._owner, self._depth = me, 1
                return self
            turn = threading.Event()
            self._waiters.append((me, turn))
        turn.wait()  # the releasing thread made this one the owner
        return self

    def __exit__(self, *_):
        with self._mutex:
            self._depth -= 1
            if self._depth > 0:
                return
            if self._waiters:
                self._owner, turn = self._waiters.popleft()
                self._depth = 1
                turn.set()
            else:
                self._owner = None


Stream = kinesis_models.Stream
Backend = kinesis_models.KinesisBackend
kinesis_lock = FairLock()


def serialise(backend, lock):
    """Runs every public method of a backend (what requests, and subscription delivery, call) under `lock`."""
    for name, function in list(vars(backend).items()):
        if not name.startswith("_") and callable(function) and not isinstance(function, (staticmethod, classmethod)):

            @patch(backend, name)
            def _serialised(previous, *args, **kwargs):
                with lock:
                    return previous(*args, **kwargs)


# One Kinesis call at a time.
serialise(Backend, kinesis_lock)


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


logs_lock = FairLock()  # re-entered when a subscription delivers to another log group


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


DynamoDBBackend = dynamodb_models.DynamoDBBackend
dynamodb_lock = FairLock()

# One DynamoDB call at a time: a condition and the write it guards are one step, as on DynamoDB.
serialise(DynamoDBBackend, dynamodb_lock)


class PartitionView:
    """A table seen through one of its partitions: `items` holds that partition only, the rest is the table's
    (its methods run on the view, so they see the partition). No copy: a copied moto model is tracked forever."""

    def __init__(self, table, items):
        self.__dict__["_table"] = table
        self.__dict__["items"] = items

    def __getattr__(self, name):
        member = getattr(type(self._table), name, None)
        if inspect.isfunction(member):
            return member.__get__(self)
        return getattr(self._table, name)


@patch(dynamodb_models.Table, "query")
def table_query(previous, self, hash_key, *args, **kwargs):
    index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
    if index_name or hash_key is None:
        return previous(self, hash_key, *args, **kwargs)
    partition = {hash_key: self.items[hash_key]} if hash_key in self.items else {}
    return previous(PartitionView(self, partition), hash_key, *args, **kwargs)


def transaction_key(backend, op_type, op):
    """The key of the item a transaction's operation names."""
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def condition_holds(backend, op, current):
    expression = op.get("ConditionExpression")
    if expression is None:
        return True
    condition = dynamodb_models.get_filter_expression(
        expression, op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
    )
    return condition.expr(current)


@patch(DynamoDBBackend, "transact_write_items")
def transact_write_items(previous, self, transact_items):
    with dynamodb_lock:
        operations = [next(iter(item.items())) for item in transact_items if len(item) == 1]
        keys = set()
        for op_type, op in operations:
            if op_type in {"ConditionCheck", "Put", "Delete", "Update"} and op.get("TableName") in self.tables:
                keys.add((op["TableName"], json.dumps(transaction_key(self, op_type, op), sort_keys=True)))
        if len(transact_items) > 100 or len(operations) != len(transact_items) or len(keys) != len(operations):
            # A malformed transaction: moto's own errors (nothing else writes meanwhile, so its rollback is safe).
            return previous(self, transact_items)
        # Every condition first, against the items as they are: a failed one cancels before anything is written.
        reasons = []
        for op_type, op in operations:
            current = self.get_item(op["TableName"], transaction_key(self, op_type, op))
            if condition_holds(self, op, current):
                reasons.append((None, None, None))
                continue
            wants_old = current is not None and op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
            old = current.to_json()["Attributes"] if wants_old else None
            reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
        written = []
        position = 0
        try:
            for position, (op_type, op) in enumerate(operations):
                if op_type == "ConditionCheck":
                    continue
                table_name, key = op["TableName"], transaction_key(self, op_type, op)
                # A copy of the attributes (UpdateItem changes the stored item in place; a copied moto model would
                # be tracked forever).
                before = self.get_item(table_name, key)
                before = None if before is None else copy.deepcopy(before.to_json()["Attributes"])
                written.append((table_name, key, before))
                names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
                if op_type == "Put":
                    self.put_item(table_name, op["Item"], overwrite=True)
                elif op_type == "Delete":
                    self.delete_item(table_name, key)
                else:
                    self.update_item(
                        table_name,
                        key,
                        update_expression=op["UpdateExpression"],
                        expression_attribute_names=names,
                        expression_attribute_values=values,
                    )
        except Exception as error:
            # Undo this transaction's own writes only; an invalid request is refused whole (as moto did), any
            # other failure cancels the transaction naming the operation that failed.
            for table_name, key, before in reversed(written):
                if before is None:
                    self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, before, overwrite=True)
            if isinstance(error, MockValidationException):
                raise
            failed = [(None, None, None)] * len(operations)
            failed[position] = (type(error).__name__, str(error), None)
            raise TransactionCanceledException(failed) from error


# Throughput only (see the top): a response class's methods are listed once, not on every request.
@patch(core_responses, "method_names_from_class")
@functools.lru_cache(maxsize=None)
def method_names_from_class(previous, clazz):
    return previous(clazz)


@patch(core_serialize.ResponseSerializer, "_serialize_type_structure")
def serialize_type_structure(previous, self, serialized, value, shape, key):
    # Throughput only (see the top). A DynamoDB AttributeValue is a dict of one member named as on the wire ({"S": ..},
    # {"B": ..}): serialised as moto would, without trying every other member and its aliases (ten per value).
    if (
        shape.name != "AttributeValue"
        or not isinstance(value, dict)
        or len(value) != 1
        or getattr(self._value_picker, "response_transformers", None)
        or self.operation_model.service_model.service_name != "dynamodb"
    ):
        return previous(self, serialized, value, shape, key)
    ((member_key, member_value),) = value.items()
    member_shape = shape.members.get(member_key)
    if member_shape is None or member_value is None:
        return previous(self, serialized, value, shape, key)
    wrapper = self.MAP_TYPE() if key else serialized
    member_shape.parent = shape
    self._serialize(wrapper, member_value, member_shape, member_key)
    if key:
        self._default_serialize(serialized, wrapper, shape, key)


# Throughput only (see the top): no line per request, and one backend look-up per host.
logging.getLogger("werkzeug").setLevel(logging.WARNING)
backend_of_host = {}


@patch(DomainDispatcherApplication, "get_backend_for_host")
def get_backend_for_host(previous, self, host):
    if host not in backend_of_host:
        backend_of_host[host] = previous(self, host)
    return backend_of_host[host]


MAX_BUFFERED_BODY = 64 * 1024 * 1024


keep_alive = threading.local()  # the request the current thread serves keeps its connection


class KeepAliveRequestHandler(MotoRequestHandler):
    """moto's request handler, keeping HTTP/1.1 connections open (see the top). The body is read before the app runs,
    so the next request on the connection starts right after it whatever the app read; a request whose length is not
    known up front (chunked, or waiting for `100 Continue`) closes its connection, as before."""

    # Headers and body go out in separate writes: on a kept connection, Nagle's algorithm would hold the body back
    # until the client acknowledges the headers, which it delays.
    disable_nagle_algorithm = True

    def make_environ(self):
        environ = super().make_environ()
        self.keeps_alive = keep_alive.now = False
        if self.request_version != "HTTP/1.1" or self.close_connection:
            return environ
        if self.headers.get("Transfer-Encoding") or self.headers.get("Expect"):
            return environ
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return environ
        if not 0 <= length <= MAX_BUFFERED_BODY:
            return environ
        body = self.rfile.read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        # A short read means the client went away mid-body: answer (the app sees a short body) and close.
        self.keeps_alive = keep_alive.now = len(body) == length
        return environ

    def send_header(self, keyword, value):
        if keyword.lower() == "connection" and value.lower() == "close" and getattr(self, "keeps_alive", False):
            return
        super().send_header(keyword, value)


class DrainSelector:
    """After each response werkzeug reads whatever else the client sent, to discard a body the app left unread (it
    closes every connection, so that is the end of it). On a kept connection that would swallow the next request; the
    body was read whole already, so there is nothing to discard."""

    def __init__(self):
        self._selector = None if getattr(keep_alive, "now", False) else selectors.DefaultSelector()

    def register(self, fileobj, events):
        if self._selector is not None:
            self._selector.register(fileobj, events)

    def select(self, timeout=None):
        return [] if self._selector is None else self._selector.select(timeout)

    def close(self):
        if self._selector is not None:
            self._selector.close()


moto_server.MotoRequestHandler = KeepAliveRequestHandler
# werkzeug's server alone sees this `selectors`.
werkzeug_serving.selectors = types.SimpleNamespace(DefaultSelector=DrainSelector, EVENT_READ=selectors.EVENT_READ)


if __name__ == "__main__":
    sys.exit(moto_server.main(sys.argv[1:]))
