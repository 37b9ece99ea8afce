"""Walk one court-referred client along the pathway and print the story.

python examples/pathway_walk.py
"""

from __future__ import annotations

from resocialize.tour import walk

if __name__ == "__main__":
    for line in walk():
        print(line)
