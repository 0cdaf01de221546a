"""`make bench`: run every bench/bench_*.py in turn and print their figures."""

import os
import pathlib
import subprocess
import sys

here = pathlib.Path(__file__).resolve().parent
# The figures are printed; the app's own log lines (a JSON line per task queued...) would bury them.
env = {**os.environ, "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING")}
failed = 0
for script in sorted(here.glob("bench_*.py")):
    print(f"\n=== {script.name} ===", flush=True)
    failed |= subprocess.call([sys.executable, str(script)], cwd=here.parent, env=env)
sys.exit(failed)
