"""CloudWatch Logs' PutLogEvents, one call at a time, and its subscription filters: updated in place, checked with a
CONTROL_MESSAGE, and delivering each call to Kinesis under the log stream's name with string event ids (as AWS's
`distribution: ByLogStream`). See `__main__` for what moto does instead."""

import hashlib
import io
import json
import time
from base64 import b64encode
from gzip import GzipFile

from fair_lock import FairLock
from kinesis_contract import MAX_PARTITION_KEY, Backend, kinesis_lock
from moto.kinesis import models as kinesis_models
from moto.logs import models as logs_models
from patching import patch


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
