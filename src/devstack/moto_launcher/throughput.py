"""Throughput only: what a client sends and gets back is what moto alone gives, at less cost per request."""

import functools
import json
import logging
import secrets

from moto.core import responses as core_responses
from moto.core import serialize as core_serialize
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from patching import patch


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


# Throughput only (see the top). A conditional write's expression is parsed twice per request (once to validate its
# names, once to evaluate it), and a forwarder sends the same few expressions all day. A parse is kept by its text,
# names and values: the tree it gives is only read when evaluated against an item. Failures are not kept: a bad
# expression fails each time, as before.
parsed_conditions = {}
MAX_PARSED_CONDITIONS = 4096


@patch(ConditionExpressionParser, "parse")
def parse_condition(previous, self):
    try:
        key = (
            self.condition_expression,
            json.dumps(self.expression_attribute_names, sort_keys=True),
            json.dumps(self.expression_attribute_values, sort_keys=True),
        )
    except (TypeError, ValueError):
        return previous(self)  # values JSON cannot spell (bytes): parsed each time, as before
    kept = parsed_conditions.get(key)
    if kept is None:
        op = previous(self)
        kept = (op, tuple(self.expr_attr_names_found), tuple(self.expr_attr_values_found))
        if len(parsed_conditions) >= MAX_PARSED_CONDITIONS:
            parsed_conditions.clear()
        parsed_conditions[key] = kept
        return op
    op, names, values = kept
    self.expr_attr_names_found.extend(names)
    self.expr_attr_values_found.extend(values)
    return op


# Throughput only (see the top): a request id of 52 letters and digits, as moto's, drawn at once rather than by one
# random.choice per character. moto's responses call it by the name they imported.
@patch(core_responses, "gen_amzn_requestid_long")
def gen_amzn_requestid_long(_previous, headerdict=None):
    request_id = secrets.token_hex(26)
    if isinstance(headerdict, dict):
        headerdict["x-amzn-requestid"] = request_id
    return request_id
