"""Faults under a longer steady load: the fault tests (tests/faults) with a minute of alarms at 40/s each.

The broker's process group, dispatch and notifier are killed with SIGKILL and PostgreSQL is restarted while
alarms arrive; each run prints how many alarms were accepted, that each is in exactly one incident, how long
after the fault healed the last of them was placed, and how many alarm events the gateway published again.
The broker crash that loses every unread acknowledged alarm and urgent report prints its recovery too.
Run: `python -m bench faults_bench` (FAULT_LOAD_S and FAULT_RATE change the load).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOAD_S = os.environ.get("FAULT_LOAD_S", "60")
RATE = os.environ.get("FAULT_RATE", "40")
# One line per fault, printed by tests/faults/conftest.py.
FIGURES = re.compile(r"^(?P<fault>[^:\n]+): (?P<accepted>\d+) alarms accepted .*?all placed (?P<recovery>[0-9.]+) s "
                     r"after the fault healed; (?P<resent>\d+) alarm events published again", re.MULTILINE)
# And one per certain loss (tests/faults/test_acknowledged_events_lost.py): the recovery since the restart.
LOSSES = re.compile(r"^(?P<fault>[^:\n]+): (?P<accepted>\d+) accepted, all lost; .*?every one placed "
                    r"(?P<recovery>[0-9.]+) s after the restart .*?; (?P<resent>\d+) events published again",
                    re.MULTILINE)


def main() -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/faults", "-q", "-s", "-p", "no:cacheprovider", "-o", "timeout=1200"],
        cwd=REPO, env={**os.environ, "FAULT_LOAD_S": LOAD_S, "FAULT_RATE": RATE}, capture_output=True, text=True,
        check=False)
    figures = {match["fault"].strip(): {"alarms_accepted": int(match["accepted"]),
                                        "all_placed_after_healing_s": float(match["recovery"]),
                                        "published_again": int(match["resent"])}
               for match in FIGURES.finditer(result.stdout)}
    figures.update({match["fault"].strip(): {"accepted_and_lost": int(match["accepted"]),
                                             "all_placed_after_restart_s": float(match["recovery"]),
                                             "published_again": int(match["resent"])}
                    for match in LOSSES.finditer(result.stdout)})
    print("\n".join(line for line in result.stdout.splitlines() if FIGURES.match(line) or LOSSES.match(line))
          or result.stdout[-3000:])
    return {"load": f"{RATE} alarms/s for {LOAD_S} s per fault", "passed": result.returncode == 0, **figures}
