"""The local engine's artwork, checked: the QR decodes to the event link with ref=flyer, the PDF is A4 with
its title as text, and long, Japanese, Arabic and emoji titles stay inside the canvas with every character
drawn from a font that has it (no tofu boxes)."""

from __future__ import annotations

import io
import itertools
import math
from pathlib import Path

import pytest
from PIL import Image

from eventflow.adapters import flyers_text as text
from eventflow.adapters.flyers_local import (
    PAPER_MM,
    POSTER_PX,
    POSTER_SAFE_MM,
    SQUARE,
    STORY,
    TEMPLATES,
    LocalFlyers,
    layout,
    poster_px,
)
from eventflow.domain.flyers import THEMES, FlyerFacts
from tests.flyers.checks import pdf_page, qr_texts

URL = "https://tickets.example.org/e/harbour-jazz?ref=flyer"
TITLES = {
    "long": "The Extraordinarily Long Annual Midsummer Harbour Jazz, Soul and Funk Festival 2027",  # 84 characters
    "japanese": "東京ジャズ・ナイト 2027 夏の夜のライブ",
    "arabic": "ليلة الجاز في المرفأ",
    "emoji": "Sunset Party 🎉🎶🔥 with friends ✨",
    "unspaced": "Supercalifragilisticexpialidocious" * 3,
}


def facts(title: str, **changes: str) -> FlyerFacts:
    fields = {"event_id": "evt_1", "title": title, "when": "Sun 14 Mar 2027 · 20:00", "day": "Sun 14 Mar 2027",
              "time": "20:00", "venue": "Hafenbar, Am Kai 3, Berlin", "price": "from €12", "url": URL,
              "description": "Live jazz by the water"}
    return FlyerFacts(**{**fields, **changes})


def test_every_format_of_every_template_carries_a_readable_qr_and_the_pdf_is_a4() -> None:
    for style in THEMES:
        files = LocalFlyers().generate(facts("Harbour Jazz Night"), "", style).files
        assert qr_texts(files["square_png"]) == [URL], style
        assert qr_texts(files["story_png"]) == [URL], style
        with Image.open(io.BytesIO(files["square_png"])) as square, Image.open(io.BytesIO(files["story_png"])) as story:
            assert square.size == (1080, 1080) and story.size == (1080, 1920)
        width, height, words = pdf_page(files["poster_pdf"])
        assert (round(width), round(height)) == (595, 842)  # A4 in PostScript points
        assert "Harbour Jazz Night" in words and "from €12" in words and URL in words


@pytest.mark.parametrize("paper", ["A4", "A3"])
def test_the_poster_on_a4_or_a3_keeps_every_fact_12_mm_inside_the_trim(paper: str) -> None:
    size = poster_px(paper)
    px_per_mm = size[0] / PAPER_MM[paper][0]
    safe = math.ceil(POSTER_SAFE_MM * px_per_mm)  # as the engine rounds it
    image, boxes = layout(facts(TITLES["long"]), TEMPLATES["night"], size, safe=safe)
    assert image.size == size and abs(size[1] / px_per_mm - PAPER_MM[paper][1]) < 1  # the page's proportions
    for left, top, right, bottom in boxes:
        assert min(left, top, size[0] - right, size[1] - bottom) >= POSTER_SAFE_MM * px_per_mm - 1, (paper, left, top)
    width, height, words = pdf_page(LocalFlyers().generate(facts("Harbour Jazz Night"), "", "night", paper=paper)
                                    .files["poster_pdf"])
    assert (round(width), round(height)) == {"A4": (595, 842), "A3": (842, 1191)}[paper]  # points
    assert "Harbour Jazz Night" in words and URL in words


@pytest.mark.parametrize("kind", sorted(TITLES))
@pytest.mark.parametrize("size", [SQUARE, STORY, POSTER_PX])
def test_titles_stay_inside_the_canvas_and_never_overlap(kind: str, size: tuple[int, int]) -> None:
    image, boxes = layout(facts(TITLES[kind]), TEMPLATES["classic"], size)
    width, height = image.size
    for left, top, right, bottom in boxes:
        assert left > 0 and right <= width - 0.05 * min(size), (kind, size, (left, top, right, bottom))
        assert top > 0 and bottom <= height, (kind, size)
    for a, b in itertools.combinations(boxes, 2):  # 1 px of rounding between stacked lines
        apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] + 1 or b[3] <= a[1] + 1
        assert apart, (kind, size, a, b)


@pytest.mark.parametrize("kind", ["japanese", "arabic", "emoji"])
def test_non_latin_and_emoji_titles_have_a_glyph_for_every_character(kind: str) -> None:
    title = TITLES[kind]
    runs = text.runs(title)
    assert "".join(run.text for run in runs) == title  # nothing dropped: every character has a font
    for run in runs:
        covered = text.charset(run.path)
        assert all(ord(ch) in covered or ch == " " for ch in run.text), (kind, run)
    if kind == "emoji":
        assert text.EMOJI in {run.path for run in runs}
    if kind == "japanese":
        assert text.JAPANESE in {run.path for run in runs}


def test_a_character_no_font_has_is_left_out_not_drawn_as_a_box() -> None:
    assert text.drawable("Gig \U0001fae8\U00010900 night") == "Gig  night"  # a shaking face; Phoenician


def test_an_eighty_character_title_is_cut_with_an_ellipsis_only_when_it_cannot_fit() -> None:
    block = text.fit(TITLES["long"], 900, 600, 112, 40, max_lines=5)
    assert "".join(block.lines).replace(" ", "") == TITLES["long"].replace(" ", "")
    tight = text.fit(TITLES["long"] * 3, 900, 120, 112, 40, max_lines=5)
    assert tight.lines[-1].endswith("…") and all(text.line_width(line, tight.size) <= 900 for line in tight.lines)


def test_captions_fit_their_channels() -> None:
    draft = LocalFlyers().generate(facts(TITLES["long"], description="word " * 200), "", "night")
    assert set(draft.captions) == {"instagram", "x", "facebook", "email"}
    assert all(len(variants) == 3 for variants in draft.captions.values())
    assert all(len(x) <= 280 and x.endswith(URL) for x in draft.captions["x"])
    assert draft.hashtags[0].startswith("#TheExtraordinarilyLong")


def test_sample_flyers_for_the_docs() -> None:
    """Three flyers as organizers get them (docs/screens with EVENTFLOW_SCREENSHOTS=1, else a temp folder)."""
    from tests.browser.conftest import screens_folder

    samples = [("flyer-square-night", "Harbour Jazz Night 🎷", "night", "square_png"),
               ("flyer-story-pastel-japanese", TITLES["japanese"], "pastel", "story_png"),
               ("flyer-square-bold-arabic", TITLES["arabic"], "bold", "square_png")]
    for name, title, style, fmt in samples:
        data = LocalFlyers().generate(facts(title), "", style).files[fmt]
        with Image.open(io.BytesIO(data)) as image:
            small = image.convert("RGB")
        small.thumbnail((540, 960))
        small.save(screens_folder() / f"{name}.png", optimize=True)
        assert qr_texts(data) == [URL]


def test_an_arabic_title_is_set_flush_right() -> None:
    _, boxes = layout(facts(TITLES["arabic"]), TEMPLATES["bold"], SQUARE)
    title_lines = boxes[1:3]  # after the date line
    margin = 0.075 * 1080
    assert all(abs(right - (1080 - margin)) < 2 for _, _, right, _ in title_lines)
    _, latin = layout(facts("Harbour Jazz"), TEMPLATES["bold"], SQUARE)
    assert abs(latin[1][0] - margin) < 2


def test_the_accent_colour_comes_from_the_cover_when_there_is_one(tmp_path: Path) -> None:
    cover = Image.new("RGB", (400, 300), "#f0f0f0")
    cover.paste(Image.new("RGB", (300, 300), "#1e90ff"), (0, 0))  # mostly a vivid blue, some grey
    cover.save(tmp_path / "evt_1.jpg")
    engine = LocalFlyers(tmp_path)
    accent = engine.cover_accent("evt_1")
    assert accent is not None
    r, g, b = (int(accent[i:i + 2], 16) for i in (1, 3, 5))
    assert b > 200 and r < 80  # the blue, not the grey
    assert engine.cover_accent("evt_without_cover") is None
    square = engine.generate(facts("Harbour Jazz Night"), "", "classic").files["square_png"]
    with Image.open(io.BytesIO(square)) as image:
        rule = image.getpixel((int(0.075 * 1080) + 20, int(0.075 * 1080) + 5))  # the accent rule above the date
    assert rule == (r, g, b)
    assert qr_texts(square) == [URL]


@pytest.mark.parametrize("width", [450, 600, 918])  # a katakana word wider than the line breaks anyway
def test_japanese_breaks_between_words_not_inside_a_katakana_word(width: int) -> None:
    lines = text.wrap(TITLES["japanese"], 96, width)
    assert "".join(lines).replace(" ", "") == TITLES["japanese"].replace(" ", "")
    for line in lines:
        assert not line.startswith(("イト", "ト", "ャズ", "ズ", "イブ", "ブ", "・")), lines  # ナイト ジャズ ライブ
