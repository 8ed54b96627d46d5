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
- A malformed condition, filter or key expression (a syntax error, a `#name` or `:value` the request does not define)
  fails in moto's parser with a bare ValueError or KeyError, which its server answers with HTTP 500: a server fault,
  which clients retry. DynamoDB answers 400 ValidationException, a client fault that no retry mends.
- Also for throughput: a conditional write's expression is parsed twice per request, from its text each time, and
  each answer's request id is drawn one random character at a time. Under the benchmarks' load DynamoDB's emulator
  ran near a full core, so every call queued. A parse is kept by its text, names and values (the tree is only read),
  and a request id is drawn at once (52 letters and digits, as before).
- A Query reads one partition on DynamoDB; moto sorts every item of the table for each Query, so each one
  costs as much as the whole table (the test stack's shared table holds every test's logs). A Query of a
  table's partition looks at that partition only.

Each idea is one module of this folder, applied on import, in this order:
- `patching`: replacing a moto function, and stopping when the pinned moto lacks it;
- `fair_lock`: the lock that serialises calls in arrival order;
- `kinesis_contract`: shards, hash keys, resharding and GetRecords as on AWS;
- `logs_delivery`: PutLogEvents serialised, subscription filters and their delivery to Kinesis;
- `dynamodb_atomicity`: atomic conditions, isolated transactions, and per-partition Query;
- `dynamodb_expressions`: malformed expressions refused with ValidationException;
- `throughput`: no per-request logging, method listing or backend look-up, a shorter AttributeValue path, parsed
  conditions kept, and cheaper request ids;
- `keep_alive`: HTTP/1.1 connections kept open.

Run the folder itself: `python path/to/moto_launcher -H HOST -p PORT` (moto_server's arguments).
"""

import sys

from moto import server as moto_server

# Applied on import (see the list above).
import kinesis_contract  # noqa: F401
import logs_delivery  # noqa: F401
import dynamodb_atomicity  # noqa: F401
import dynamodb_expressions  # noqa: F401
import throughput  # noqa: F401
import keep_alive  # noqa: F401

if __name__ == "__main__":
    sys.exit(moto_server.main(sys.argv[1:]))
