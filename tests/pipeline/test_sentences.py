"""Offset-preserving folding and sentence splitting: ``fold`` and ``split_sentences``."""

from __future__ import annotations

import pytest

from monitor.pipeline.sentences import fold, split_sentences


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("AIN AL ASAD", "ain al asad"),
        ("ʿAyn al‑Asád", "'ayn al-asad"),
        ("Harir’s base — “hit”", 'harir\'s base - "hit"'),
        ("Al–Tanf ‘garrison’", "al-tanf 'garrison'"),
        ("İstanbul Ḥasakah Dayr az‑Zawr", "istanbul hasakah dayr az-zawr"),
        ("a\u00a0b\tc", "a b c"),
        ("«Koniko»", '"koniko"'),
    ],
    ids=[
        "upper-case",
        "ayin-nb-hyphen-acute",
        "curly-apostrophe-em-dash-quotes",
        "en-dash-single-quotes",
        "dotted-capital-and-underdots",
        "odd-spaces",
        "guillemets",
    ],
)
def test_fold_normalises_and_keeps_length(text: str, folded: str) -> None:
    """fold lower-cases, strips diacritics and unifies punctuation without changing the length."""
    assert fold(text) == folded
    assert len(fold(text)) == len(text)


def test_fold_keeps_offsets_of_a_match() -> None:
    """A substring found in the folded text sits at the same offsets in the original."""
    text = "Drones hit ʿAYN AL‑ASÁD early — officials said"
    start = fold(text).index("ayn al-asad")
    assert text[start : start + len("ayn al-asad")] == "AYN AL‑ASÁD"


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "U.S. forces at the base were not hurt. The Pentagon said so.",
            ["U.S. forces at the base were not hurt.", "The Pentagon said so."],
        ),
        (
            "The attack on Oct. 7 shocked Israel. Militias responded.",
            ["The attack on Oct. 7 shocked Israel.", "Militias responded."],
        ),
        (
            "Brig. Gen. Pat Ryder told reporters the attack failed. He gave no details.",
            ["Brig. Gen. Pat Ryder told reporters the attack failed.", "He gave no details."],
        ),
        (
            "Lt. Col. Smith spoke. Then others did.",
            ["Lt. Col. Smith spoke.", "Then others did."],
        ),
        (
            "At 3 a.m. Tuesday the base was hit. Nobody was hurt.",
            ["At 3 a.m. Tuesday the base was hit.", "Nobody was hurt."],
        ),
        (
            'He said "the base was hit." Then he left.',
            ['He said "the base was hit."', "Then he left."],
        ),
        (
            "Was the base hit? Yes! Two drones struck it.",
            ["Was the base hit?", "Yes!", "Two drones struck it."],
        ),
    ],
    ids=[
        "us-forces",
        "oct-7",
        "brig-gen",
        "lt-col",
        "a-m-time",
        "closing-quote",
        "question-exclamation",
    ],
)
def test_split_sentences_respects_abbreviations(text: str, sentences: list[str]) -> None:
    """A full stop after an abbreviation (U.S., Oct., Brig. Gen., a.m.) does not end a sentence."""
    assert [s.text for s in split_sentences(text)] == sentences


def test_split_sentences_offsets_point_into_the_text() -> None:
    """Each sentence's offsets slice its text out of the original and its folding out of fold."""
    text = "Drones hit ʿAyn al‑Asad.  The U.S. said so.\n\n  Rockets hit Harir on Oct. 7."
    sentences = split_sentences(text)
    assert [s.index for s in sentences] == [0, 1, 2]
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert fold(text)[sentence.start : sentence.end] == sentence.folded


def test_lines_are_boundaries_and_headings_are_flagged() -> None:
    """Each line is split on its own; a line without final punctuation is a heading."""
    text = "Drones hit Harir air base\nThe attack came at dawn. No one was hurt."
    sentences = split_sentences(text)
    assert [(s.text, s.is_heading, s.paragraph) for s in sentences] == [
        ("Drones hit Harir air base", True, 0),
        ("The attack came at dawn.", False, 1),
        ("No one was hurt.", False, 1),
    ]


def test_repeated_paragraph_yields_no_new_sentences() -> None:
    """A paragraph repeated later in the page (different case or spacing) is dropped."""
    paragraph = "Two drones struck Harir air base. No one was hurt."
    text = f"{paragraph}\n\nOfficials gave no details.\n\n{paragraph.upper()}\n\nA new sentence."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Two drones struck Harir air base.",
        "No one was hurt.",
        "Officials gave no details.",
        "A new sentence.",
    ]
    assert sentences[-1].paragraph == 6
    assert text[sentences[-1].start : sentences[-1].end] == "A new sentence."


@pytest.mark.parametrize("text", ["", "\n\n", "   \n \t\n"], ids=["empty", "newlines", "blank"])
def test_blank_text_has_no_sentences(text: str) -> None:
    """Empty or whitespace-only text yields no sentences."""
    assert split_sentences(text) == []
