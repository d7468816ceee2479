"""`newsfeed preview`: the sample articles' pages, offline; a bad file refused with validate's problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsfeed.cli.main import main

SAMPLES = sorted((Path(__file__).parents[2] / "events" / "articles").glob("*.*"))


def test_preview_renders_every_sample_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert len(SAMPLES) >= 5
    args = ["--out", str(tmp_path), "--site-name", "KazPost", "--site-url", "http://127.0.0.1:3300"]
    assert main(["preview", *map(str, SAMPLES), *args]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(SAMPLES)
    for line in lines:
        assert line.startswith("preview: file://")
        page = Path(line.removeprefix("preview: file://")).read_text(encoding="utf-8")
        assert page.startswith("<!doctype html>") and "<h1>" in page and "| KazPost</title>" in page
    crisis = (tmp_path / "kazakh-leader-offers-explanation-for-crisis.html").read_text(encoding="utf-8")
    assert "<h1>Kazakh leader offers explanation for crisis</h1>" in crisis
    assert 'href="http://127.0.0.1:3300/sections/kazakhstan-news"' in crisis
    straws = (
        tmp_path / "paper-straws-found-to-contain-long-lasting-and-potentially-toxic-chemicals-study.html"
    )
    assert 'src="photos/coffee.png"' in straws.read_text(encoding="utf-8")  # the photo beside it, as sent
    assert (tmp_path / "photos" / "coffee.png").read_bytes() == (
        SAMPLES[0].parent / "photos" / "coffee.png"
    ).read_bytes()


def test_preview_refuses_a_bad_file_with_the_problems_validate_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: No section\npublished_at: 2024-02-30T10:00:00Z\n---\nBody.\n")
    assert main(["validate", str(bad)]) == 1
    validated = capsys.readouterr().out
    assert main(["preview", str(bad), "--out", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().out == validated
    assert "section" in validated and not (tmp_path / "out").exists()
