"""Each mask removes the sentence its docstring says it removes, and keeps the one it keeps.

The examples live in the masks' own docstrings (monitor/pipeline/detect/masks.py), written in
our own words, so the list of masks documents and tests itself; ``monitor explain`` names the
mask that removed each candidate, as these tests do.
"""

from __future__ import annotations

import re

import pytest

from monitor.pipeline.detect import MASKS, Mask, explain_article
from monitor.pipeline.rules import Ruleset

_EXAMPLE = re.compile(r'^\s*(Removes|Keeps):\s*(?:[^"]*?\bin\s+)?"(?P<text>.+?)"', re.M | re.S)


def _examples(mask: Mask, kind: str) -> list[str]:
    doc = mask.function.__doc__ or ""
    return [
        m.group("text").replace("\n", " ") for m in _EXAMPLE.finditer(doc) if m.group(1) == kind
    ]


def _removed_by(rules: Ruleset, article, text: str) -> set[str | None]:  # type: ignore[no-untyped-def]
    published = "2023-11-07"
    explanation = explain_article(article(re.sub(r"\s+", " ", text), published), rules)
    return {c.removed_by for _, candidates in explanation.readings for c in candidates}


def test_every_mask_documents_one_removed_and_one_kept_sentence() -> None:
    for mask in MASKS:
        assert mask.reason, mask.name
        assert _examples(mask, "Removes"), f"{mask.name}: no 'Removes:' example"
        assert _examples(mask, "Keeps"), f"{mask.name}: no 'Keeps:' example"


def test_mask_names_are_unique() -> None:
    names = [m.name for m in MASKS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("mask", MASKS, ids=[m.name for m in MASKS])
def test_mask_removes_its_example(rules: Ruleset, article, mask: Mask) -> None:  # type: ignore[no-untyped-def]
    for text in _examples(mask, "Removes"):
        assert mask.name in _removed_by(rules, article, text), text


@pytest.mark.parametrize("mask", MASKS, ids=[m.name for m in MASKS])
def test_mask_keeps_its_counter_example(rules: Ruleset, article, mask: Mask) -> None:  # type: ignore[no-untyped-def]
    for text in _examples(mask, "Keeps"):
        removed = _removed_by(rules, article, text)
        assert mask.name not in removed, text
        assert None in removed, f"no candidate kept in: {text}"


def test_readme_names_every_mask() -> None:
    """The README's list of masks is the registry's: a reviewer reads what the extractor
    believes there."""
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    assert [m.name for m in MASKS if f"`{m.name}`" not in readme] == []
