"""Instructions per call from a callgrind profile: for the functions whose name matches a
pattern, the calls made to them and their inclusive cost, per caller.

    valgrind --tool=callgrind --callgrind-out-file=open.out \
        target/release/deps/hot-HASH --bench 'request/open$' --profile-time 3
    python3 bench/micro/per_call.py open.out 'Runtime::block_on$'

The line whose caller is criterion's `Bencher::iter` is one benchmark iteration: one request.
"""
import collections
import signal
import re
import sys

signal.signal(signal.SIGPIPE, signal.SIG_DFL)
path, pattern = sys.argv[1], re.compile(sys.argv[2])
names = {}
cur = None
pending = None
out = collections.defaultdict(lambda: [0, 0])
def name(tok):
    m = re.match(r"\((\d+)\)(?: (.*))?", tok)
    if m.group(2): names[m.group(1)] = m.group(2)
    return names.get(m.group(1), m.group(1))
with open(path) as f:
    lines = iter(f)
    for line in lines:
        line = line.rstrip("\n")
        if line.startswith("fn="):
            cur = name(line[3:])
        elif line.startswith("cfn="):
            pending = name(line[4:])
        elif line.startswith("calls=") and pending is not None:
            calls = int(line[6:].split()[0])
            cost = next(lines).split()
            ir = int(cost[1]) if len(cost) > 1 else 0
            if pattern.search(pending):
                o = out[(cur, pending)]
                o[0] += calls; o[1] += ir
            pending = None
for (caller, callee), (calls, ir) in sorted(out.items(), key=lambda x: -x[1][1])[:8]:
    print(f"{calls:>8} calls {ir/max(calls,1):>10.0f} Ir/call  {caller[:70]} -> {callee[:50]}")
