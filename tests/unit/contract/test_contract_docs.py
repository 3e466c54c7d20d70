from __future__ import annotations

from streams.contract.catalogue import catalogue
from streams.contract.docgen import DOCS_DIR, render


def test_committed_docs_match_the_catalogue_and_schemas() -> None:
    stale = [
        name
        for name, text in render(catalogue()).items()
        if not (DOCS_DIR / name).exists() or (DOCS_DIR / name).read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run `python -m streams.contract.docgen` and commit docs/contract"


def test_every_topic_has_a_page_linked_from_the_index() -> None:
    pages = render(catalogue())
    for topic in catalogue().all():
        assert f"{topic.name}.md" in pages
        assert f"]({topic.name}.md)" in pages["README.md"]


def test_a_topic_page_shows_key_schema_example_producers_and_consumers() -> None:
    page = render(catalogue())["collections.contact-due.sms.v1.md"]
    for part in ("customer_id (UTF-8 string)", "ContactDue.avsc", "## Example", "Produced by"):
        assert part in page
    assert '"channel": "sms"' in page


def test_the_profile_page_marks_the_display_name_as_pii() -> None:
    page = render(catalogue())["collections.account-profiles.v1.md"]
    row = next(line for line in page.splitlines() if line.startswith("| `display_name`"))
    assert "| yes |" in row
