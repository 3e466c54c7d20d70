"""The dependency audit's verdicts, from PyPI project JSON shaped as the index serves it."""

from __future__ import annotations

from typing import Any

import pytest

from tools.audit_deps import Finding, accepted_ids, findings, pins, report

LOCK = """\
aiohttp==3.14.5 \\
    --hash=sha256:0133c3c3b54a0bf1e71fa5c1ad95c93f07fd54e24ef1fe182f5122e1573d2bf1
    # via collections-pipeline (pyproject.toml)
ecdsa==0.19.2 \\
    --hash=sha256:00
"""
MINERVA = {
    "id": "PYSEC-2026-1325",
    "aliases": ["CVE-2024-23342", "GHSA-wj6h-64fc-37mp"],
    "fixed_in": [],
    "withdrawn": None,
}


def project(latest: str, vulns: list[dict[str, Any]], yanked: bool = False) -> dict[str, Any]:
    return {
        "info": {"version": latest},
        "releases": {latest: [{"yanked": yanked}]},
        "vulnerabilities": vulns,
    }


def test_pins_are_read_from_a_pip_compile_lock() -> None:
    assert pins(LOCK) == [("aiohttp", "3.14.5"), ("ecdsa", "0.19.2")]


def test_a_known_vulnerability_of_the_pinned_latest_release_fails() -> None:
    [finding] = findings("ecdsa", "0.19.2", project("0.19.2", [MINERVA]), set())
    assert finding.fails and "CVE-2024-23342" in finding.text and "no fix" in finding.text


def test_an_accepted_or_withdrawn_vulnerability_does_not_fail() -> None:
    assert findings("ecdsa", "0.19.2", project("0.19.2", [MINERVA]), {"CVE-2024-23342"}) == []
    withdrawn = {**MINERVA, "withdrawn": "2026-01-01T00:00:00Z"}
    assert findings("ecdsa", "0.19.2", project("0.19.2", [withdrawn]), set()) == []


def test_a_yanked_pin_fails() -> None:
    [finding] = findings("x", "1.0", project("1.0", [], yanked=True), set())
    assert (finding.kind, finding.fails) == ("yanked", True)


def test_a_pin_below_the_latest_is_reported_unchecked_and_fails_only_when_strict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    found = findings("click", "8.3.3", project("8.5.1", [MINERVA]), set())
    assert [f.kind for f in found] == ["unchecked"]
    assert report([("click", "8.3.3")], found, strict=False) == 0
    assert report([("click", "8.3.3")], found, strict=True) == 1
    assert "below the latest release 8.5.1" in capsys.readouterr().out


def test_the_report_fails_on_any_vulnerable_pin() -> None:
    bad = Finding("ecdsa", "0.19.2", "vulnerable", "CVE")
    assert report([("ecdsa", "0.19.2"), ("aiohttp", "3.14.5")], [bad], strict=False) == 1


def test_an_accepted_id_needs_a_reason() -> None:
    assert accepted_ids("# comment\nGHSA-1  # only the CLI is affected\n") == {"GHSA-1"}
    with pytest.raises(ValueError, match="without a reason"):
        accepted_ids("GHSA-2\n")
