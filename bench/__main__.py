"""Run every benchmark in bench/ (or those named on the command line) and print their figures."""

import asyncio
import importlib
import inspect
import json
import pkgutil
import sys
from pathlib import Path


def main() -> None:
    wanted = set(sys.argv[1:])
    results = {}
    for module_info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if not module_info.name.endswith("_bench") or (wanted and module_info.name not in wanted):
            continue
        print(f"\n=== {module_info.name} ===", flush=True)
        module = importlib.import_module(f"bench.{module_info.name}")
        outcome = module.main()
        results[module_info.name] = asyncio.run(outcome) if inspect.iscoroutine(outcome) else outcome
    print("\n=== summary ===")
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
