#!/usr/bin/env python3
# \summary: rewrites README.md's `vpcsim compare --all` table, two option blocks and the verdict from this build's output
#
# Usage: tools/regen_readme.py [CLONE]   (default: the clone holding this
# script; CLONE/build/vpcsim must be built).  tests/test_compare.c
# (test_readme_table) checks that the README holds exactly these lines.
import subprocess
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
out = subprocess.run([str(root / 'build' / 'vpcsim'), 'compare', '--all'], capture_output=True,
                     text=True, cwd=root, check=True).stdout
blocks = out.rstrip('\n').split('\n\n')
table, verdict = blocks[0], blocks[-1]


def block(prefix):
    return next(b for b in blocks if b.startswith(prefix + ':'))


readme = root / 'README.md'
s = readme.read_text()


def sub_fence(s, pred, new):
    parts = s.split('```')
    for i in range(1, len(parts), 2):
        if pred(parts[i]):
            parts[i] = '\n' + new + '\n'
            return '```'.join(parts), True
    return s, False


done = []
s, ok = sub_fence(s, lambda b: 'latency p50 (ms)' in b and 'alb-peering' in b.split('\n')[1], table)
done.append(ok)
for name in ('alb-privatelink', 'alb-resource-endpoint'):
    s, ok = sub_fence(s, lambda b, n=name: b.startswith('\n' + n + ': clients in VPC-A'), block(name))
    done.append(ok)
s, ok = sub_fence(s, lambda b: b.startswith('\nCheapest at the workload'), verdict)
done.append(ok)
readme.write_text(s)
print('table, alb-privatelink, alb-resource-endpoint, verdict replaced:', done)
sys.exit(0 if all(done) else 1)
