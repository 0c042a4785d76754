"""The README's table of studies, generated from a report folder's claims (not typed by hand).

Reads every study's ``claims.json`` (and ``results.json``, for its seeds) in a folder written by
``digitnet report --out DIR``, and prints the markdown table the README shows: each study, what it
varies, and what that run found (its supported claims, then what the data could not tell). With
``--write README.md`` the table between the README's ``<!-- findings -->`` and ``<!-- /findings -->``
markers is replaced by it.

    digitnet report --out report && python benchmarks/readme_findings.py report --write README.md
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from digitnet.studies import studies
from digitnet.studies.claims import read_claims, sentence
from digitnet.words import rate

START, END = "<!-- findings -->", "<!-- /findings -->"


def _value(value):
    return rate(value) if isinstance(value, float) else str(value)


#: The kinds of claim a README cell leads with, in this order; each cell shows at most :data:`SHOWN` of them.
LEADING = ("chosen", "best", "region", "order", "effect", "tie")
SHOWN = 4


def headline(claims) -> str:
    """A study's supported claims in a README cell: the leading kinds first (:data:`LEADING`), each arm's own rate
    left to the study's page, at most :data:`SHOWN` sentences, then how many other supported claims and how many
    that do not replicate the page also states."""
    supported = [c for c in claims if c.supported and "learning rate of" not in c.about]
    ranked = sorted(supported, key=lambda c: LEADING.index(c.kind) if c.kind in LEADING else len(LEADING))
    shown = [sentence(c, _value) for c in ranked[:SHOWN]]
    text = "; ".join(shown) if shown else "nothing every replication agrees on"
    more = sum(c.supported for c in claims) - len(shown)  # each arm's own rate among them
    unsure = sum(not c.supported for c in claims)
    notes = [f"{more} more on the page" if more else "", f"{unsure} the seeds do not agree on" if unsure else ""]
    notes = [n for n in notes if n]
    return text + (f" ({'; '.join(notes)})" if notes else "")


def table(folder):
    """The markdown table of the studies of the report in ``folder``."""
    folder = Path(folder)
    lines = ["| study | what it varies | what this run found (its seeds) |", "|---|---|---|"]
    for study in studies():
        claims = read_claims(folder / study.name)
        seeds = json.loads((folder / study.name / "results.json").read_text())["config"]["seeds"]
        found = headline(claims).replace("|", "\\|")
        lines.append(f"| `{study.name}` | {study.description} | {found} (seeds {', '.join(map(str, seeds))}) |")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", help="a folder written by digitnet report --out")
    parser.add_argument("--write", metavar="README", help="replace the table between the markers in this file")
    args = parser.parse_args(argv)
    text = table(args.report)
    if not args.write:
        print(text, end="")
        return 0
    readme = Path(args.write).read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        print(f"{args.write} has no {START} ... {END} markers", file=sys.stderr)
        return 2
    Path(args.write).write_text(pattern.sub(lambda _: f"{START}\n{text}{END}", readme), encoding="utf-8")
    print(f"wrote the findings table of {args.report} into {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
