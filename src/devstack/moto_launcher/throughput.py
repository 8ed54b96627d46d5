"""Throughput only: what a client sends and gets back is what moto alone gives, at less cost per request."""

import functools
import logging

from moto.core import responses as core_responses
from moto.core import serialize as core_serialize
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
