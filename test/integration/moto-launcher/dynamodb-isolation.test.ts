import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot, toolchainPaths } from '../../../src/devstack/toolchain';

// DynamoDB's conditional writes are atomic and a transaction is isolated from other writes; the emulator's launcher
// makes moto keep that (see its docstring). Each case holds the first request inside its condition check for a
// moment and sends a second request meanwhile, as concurrent writers of a log do on a loaded machine.

const launcher = path.join(repoRoot(), 'src', 'devstack', 'moto_launcher');

const script = `
import runpy, sys, threading, time
runpy.run_path(sys.argv[1], run_name="launcher")
from moto.dynamodb import models as m
from moto.dynamodb.models import table as t
from moto.dynamodb.exceptions import ConditionalCheckFailed, TransactionCanceledException

b = m.dynamodb_backends["123456789012"]["us-east-1"]
b.create_table(
    "log",
    schema=[{"AttributeName": "execution_id", "KeyType": "HASH"}, {"AttributeName": "seq", "KeyType": "RANGE"}],
    throughput=None,
    attr=[{"AttributeName": "execution_id", "AttributeType": "S"}, {"AttributeName": "seq", "AttributeType": "N"}],
    global_indexes=None, indexes=None, streams=None, billing_mode="PAY_PER_REQUEST", sse_specification=None,
    tags=[], deletion_protection_enabled=False, warm_throughput=None,
)
def item(seq, who):
    return {"execution_id": {"S": "e"}, "seq": {"N": str(seq)}, "who": {"S": who}}
def stored(seq):
    found = b.get_item("log", {"execution_id": {"S": "e"}, "seq": {"N": str(seq)}})
    return None if found is None else found.attrs["who"].value
NOT_EXISTS = "attribute_not_exists(seq)"

inside = threading.Event()
armed = []
def slowed(original):
    def evaluate(*args, **kwargs):
        if armed:
            armed.pop()
            inside.set()
            time.sleep(0.3)
        return original(*args, **kwargs)
    return evaluate
t.get_filter_expression = slowed(t.get_filter_expression)
m.get_filter_expression = slowed(m.get_filter_expression)

def race(first, second):
    out = {}
    def run(name, call):
        try:
            call()
            out[name] = "ok"
        except (ConditionalCheckFailed, TransactionCanceledException) as error:
            out[name] = type(error).__name__
    inside.clear()
    armed.append(1)
    thread = threading.Thread(target=run, args=("first", first))
    thread.start()
    inside.wait(10)
    run("second", second)
    thread.join()
    return out

case = sys.argv[2]
if case == "puts":
    out = race(
        lambda: b.put_item("log", item(1, "a"), condition_expression=NOT_EXISTS),
        lambda: b.put_item("log", item(1, "b"), condition_expression=NOT_EXISTS),
    )
    print(sorted(out.values()), stored(1))
elif case == "query":
    # Counts the key comparisons a Query makes: DynamoDB reads the partition asked for, not the whole table.
    from moto.dynamodb.models.dynamo_type import DynamoType
    for n in range(2000):
        b.put_item("log", {"execution_id": {"S": "other-%d" % (n % 50)}, "seq": {"N": str(n)}})
    for n in range(1, 6):
        b.put_item("log", item(n, "mine"))
    compared = []
    less = DynamoType.__lt__
    def counted(self, other):
        compared.append(1)
        return less(self, other)
    DynamoType.__lt__ = counted
    table = b.get_table("log")
    found, _, last = table.query(DynamoType({"S": "e"}), "GT", [DynamoType({"N": "1"})], 2, None, True, None)
    found2, _, _ = table.query(DynamoType({"S": "e"}), "GT", [DynamoType({"N": "1"})], 10, last, True, None)
    DynamoType.__lt__ = less
    print([i.attrs["seq"].value for i in found + found2], len(compared) < 100)
else:
    b.put_item("log", item(10, "chunk"))
    fence = [{"Put": {"TableName": "log", "Item": item(10, "fence"), "ConditionExpression": NOT_EXISTS}}]
    out = race(
        lambda: b.transact_write_items(fence),
        lambda: b.put_item("log", item(2, "chunk"), condition_expression=NOT_EXISTS),
    )
    print(out["first"], out["second"], stored(2), stored(10))
`;

function run(testCase: 'puts' | 'transaction' | 'query'): string {
  const result = spawnSync(toolchainPaths().python, ['-c', script, launcher, testCase], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.trim();
}

test('two conditional puts of one key at once: one is stored, the other is refused (none overwritten)', () => {
  expect(run('puts')).toBe("['ConditionalCheckFailed', 'ok'] a");
});

test('a transaction cancelled by its condition writes nothing and undoes no write made meanwhile', () => {
  expect(run('transaction')).toBe('TransactionCanceledException ok chunk chunk');
});

test('a Query looks at its own partition only, and pages through it', () => {
  expect(run('query')).toBe("['2', '3', '4', '5'] True");
});
