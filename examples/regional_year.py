"""Run a year of an example region through the RegionalSystem and print the story.

python examples/regional_year.py [DIRECTORY]

With a directory, the region's SQLite store (region.sqlite) is kept there for reading
afterwards; without one, it is written to a temporary directory and removed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from resocialize.regional_year import run

if __name__ == "__main__":
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    for line in run(directory=directory):
        print(line)
