"""Dependency audit: fail on a known vulnerability in any locked package.

pip-audit asks OSV or PyPI's per-release JSON (``/pypi/<name>/<version>/json``) about each
pin; neither is reachable from this project's CI (only the package index is). What is
reachable is PyPI's per-project JSON (``/pypi/<name>/json``): it lists the vulnerabilities
(from OSV and the PyPA advisory database, the same data pip-audit reads) of the project's
*latest* release, and every release's yanked state. So:

- a pin at the latest release is checked exactly: any vulnerability listed and not
  withdrawn fails the audit, unless its id is accepted in ``requirements/audit-accept.txt``
  with a reason;
- a yanked pin fails;
- a pin below the latest release cannot be checked here (its own list is not served):
  it is reported, with the latest version, so that `make lock` is run to move it up, and
  fails the audit only with ``--strict``. Where OSV is reachable, ``pip-audit --strict
  --require-hashes -r requirements/dev.txt`` checks every pin fully.

Run: ``python -m tools.audit_deps [--strict] requirements/dev.txt`` (``make audit``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PYPI_JSON = os.environ.get("AUDIT_PYPI_JSON", "https://pypi.org/pypi")
ACCEPT_FILE = Path(__file__).resolve().parents[1] / "requirements" / "audit-accept.txt"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


@dataclass(frozen=True, slots=True)
class Finding:
    package: str
    version: str
    kind: str  # "vulnerable" | "yanked" | "unchecked"
    text: str

    @property
    def fails(self) -> bool:
        return self.kind in ("vulnerable", "yanked")


def pins(lock_text: str) -> list[tuple[str, str]]:
    """``(name, version)`` of every ``name==version`` line of a pip-compile lock file."""
    return [(m[1].lower(), m[2]) for line in lock_text.splitlines() if (m := _PIN.match(line))]


def accepted_ids(text: str) -> set[str]:
    """Ids in the accept file: ``ID  # why it does not apply here`` (a reason is required)."""
    ids = set()
    for line in text.splitlines():
        entry, _, reason = line.partition("#")
        if entry.strip():
            if not reason.strip():
                raise ValueError(f"accepted {entry.strip()} without a reason")
            ids.add(entry.strip())
    return ids


def findings(
    name: str, version: str, project: Mapping[str, Any], accepted: set[str]
) -> list[Finding]:
    """What the project JSON of ``name`` says about the pin ``version``."""
    latest = str(project["info"]["version"])
    files = project.get("releases", {}).get(version, [])
    found = []
    if files and all(f.get("yanked") for f in files):
        found.append(Finding(name, version, "yanked", "the release was yanked"))
    if version != latest:
        text = f"below the latest release {latest}: not checkable here (run make lock)"
        return [*found, Finding(name, version, "unchecked", text)]
    for vuln in project.get("vulnerabilities") or []:
        ids = {vuln["id"], *(vuln.get("aliases") or [])}
        if vuln.get("withdrawn") or ids & accepted:
            continue
        fixed = ", ".join(vuln.get("fixed_in") or []) or "no fix released"
        label = " / ".join(sorted(ids))
        found.append(Finding(name, version, "vulnerable", f"{label} (fixed in: {fixed})"))
    return found


def fetch(name: str) -> Mapping[str, Any]:
    url = f"{PYPI_JSON}/{name}/json"
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310  # fixed https base
        data: Mapping[str, Any] = json.load(response)
        return data


def audit(locked: Sequence[tuple[str, str]], accepted: set[str]) -> list[Finding]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        projects = list(pool.map(fetch, [name for name, _ in locked]))
    result: list[Finding] = []
    for (name, version), project in zip(locked, projects, strict=True):
        result += findings(name, version, project, accepted)
    return result


def report(locked: Iterable[tuple[str, str]], found: list[Finding], strict: bool) -> int:
    total = len(list(locked))
    unchecked = [f for f in found if f.kind == "unchecked"]
    failing = [f for f in found if f.fails or (strict and f.kind == "unchecked")]
    for f in found:
        mark = "FAIL" if f in failing else "note"
        sys.stdout.write(f"{mark} {f.package}=={f.version}: {f.kind}: {f.text}\n")
    sys.stdout.write(
        f"audit: {total} pinned packages, {total - len(unchecked)} checked against known "
        f"vulnerabilities, {len(unchecked)} below their latest release; "
        f"{len(failing)} failing\n"
    )
    return 1 if failing else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="audit_deps", description=__doc__.split("\n")[0])
    parser.add_argument("lock", type=Path, nargs="+")
    parser.add_argument("--strict", action="store_true", help="fail on unchecked pins too")
    args = parser.parse_args(argv)
    locked = sorted({pin for path in args.lock for pin in pins(path.read_text())})
    accept_text = ACCEPT_FILE.read_text() if ACCEPT_FILE.exists() else ""
    return report(locked, audit(locked, accepted_ids(accept_text)), args.strict)


if __name__ == "__main__":
    sys.exit(main())
