import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot, toolchainPaths } from '../../src/main/toolchain';

// DynamoDB's conditional writes are atomic and a transaction is isolated from other writes; the emulator's launcher
// makes moto keep that (see its docstring). Each case holds the first request inside its condition check for a
// moment and sends a second request meanwhile, as concurrent writers of a log do on a loaded machine.

const launcher = path.join(repoRoot(), 'src', 'main', 'moto-launcher.py');

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
else:
    b.put_item("log", item(10, "chunk"))
    fence = [{"Put": {"TableName": "log", "Item": item(10, "fence"), "ConditionExpression": NOT_EXISTS}}]
    out = race(
        lambda: b.transact_write_items(fence),
        lambda: b.put_item("log", item(2, "chunk"), condition_expression=NOT_EXISTS),
    )
    print(out["first"], out["second"], stored(2), stored(10))
`;

function run(testCase: 'puts' | 'transaction'): string {
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
