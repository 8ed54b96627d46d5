"""DynamoDB's atomic conditional writes and isolated, all-or-nothing transactions, and a Query that reads one
partition. See `__main__` for what moto does instead."""

import copy
import inspect
import json

from fair_lock import FairLock
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.exceptions import MockValidationException, TransactionCanceledException
from patching import patch, serialise


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
