"""Record the golden outputs the refactor tests compare against.

Run it only when a change of plan is intended, and say why in the commit:

    python scripts/record_golden.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.golden_support import SCENARIOS, record

if __name__ == "__main__":
    for name in SCENARIOS:
        record(name)
        print(f"recorded {name}")
