"""A malformed DynamoDB expression is refused as on DynamoDB. See `__main__` for what moto does instead."""

from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.exceptions import MockValidationException
from patching import patch


@patch(ConditionExpressionParser, "parse")
def parse_or_refuse(previous, self):
    # moto's parser raises a bare ValueError on a syntax error and a KeyError on a `#name` or `:value` the request does
    # not define, and its server answers either with HTTP 500, which a client retries as the service's own failure.
    # DynamoDB answers 400 ValidationException, which no client retries. The code is DynamoDB's; the wording is close to
    # it, without the parameter's name (the parser serves condition, filter and key expressions alike).
    try:
        return previous(self)
    except KeyError as error:
        (missing,) = error.args or ("",)
        kind = "value" if str(missing).startswith(":") else "name"
        raise MockValidationException(
            f"Invalid expression: An expression attribute {kind} used in expression is not defined; "
            f"attribute {kind}: {missing}"
        ) from None
    except ValueError as error:
        raise MockValidationException(f"Invalid expression: Syntax error; {error}") from None
