"""The README and docs/ are self-contained: every relative link resolves to a file in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    return {_slug(line.lstrip("#")) for line in page.read_text().splitlines() if line.startswith("#")}


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(REPO)) for page in PAGES])
def test_docs_relative_links_stay_inside_the_repository(page: Path) -> None:
    # GIVEN a documentation page WHEN its relative links are followed
    links = [link for link in _LINK.findall(page.read_text()) if not re.match(r"^[a-z]+:", link)]
    assert links, f"{page.name} links nothing"
    for link in links:
        target, _, anchor = link.partition("#")
        resolved = (page.parent / target).resolve() if target else page
        # THEN each names an existing file inside the repository, and an existing heading
        assert resolved.is_relative_to(REPO), f"{page.name}: {link} leaves the repository"
        assert resolved.exists(), f"{page.name}: {link} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in _anchors(resolved), f"{page.name}: {link}: no such heading"
