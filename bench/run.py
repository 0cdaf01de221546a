"""`make bench`: run every bench/bench_*.py in turn and print their figures."""

import pathlib
import subprocess
import sys

here = pathlib.Path(__file__).resolve().parent
failed = 0
for script in sorted(here.glob("bench_*.py")):
    print(f"\n=== {script.name} ===", flush=True)
    failed |= subprocess.call([sys.executable, str(script)], cwd=here.parent)
sys.exit(failed)
