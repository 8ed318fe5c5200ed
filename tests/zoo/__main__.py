"""``python -m zoo OUTDIR`` (from tests/): write every zoo model to OUTDIR."""

import sys
from pathlib import Path

from zoo import build_zoo

for name, path in build_zoo(Path(sys.argv[1])).items():
    print(f"{name}: {path}")
