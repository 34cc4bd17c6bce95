"""Text on flyers: the shipped fonts, per-character fallback, wrapping and fitting into a box.

The package ships its fonts (adapters/fonts/, licences beside them) because a user's machine may
have none: DejaVu Sans (Latin, Greek, Cyrillic, Arabic, Hebrew), a Noto Sans CJK JP subset (kana
and JIS level-1 kanji) and a Noto Color Emoji subset. Each character is drawn with the first font
that has it; a character no font has is dropped rather than drawn as a tofu box. Arabic is shaped
by Pillow's raqm layout when available."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

FONT_DIR = Path(__file__).with_name("fonts")
LATIN_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
LATIN = FONT_DIR / "DejaVuSans.ttf"
JAPANESE = FONT_DIR / "NotoSansJP-Bold-subset.otf"
EMOJI = FONT_DIR / "NotoColorEmoji-subset.ttf"
EMOJI_SIZE = 109  # the one size Noto Color Emoji's bitmaps come in; scaled to the line's size
INVISIBLE = {0xFE0F, 0xFE0E, 0x200D}  # variation selectors and the zero-width joiner
# Where an unspaced word may break: between these pieces. A katakana word (with a following "・") and a run
# of Latin letters or digits stay whole, so "ナイト" is never split into "ナ" / "イト"; other characters
# (kanji, hiragana) break anywhere, as Japanese typesetting allows.
PIECE = re.compile(r"[\u30a0-\u30fa\u30fc-\u30ff\uff66-\uff9f]+[・、。」]?"  # katakana word (・ breaks)
                   r"|[^\W_]*[A-Za-z0-9][^\W_]*[.,!?]?"  # a Latin word or number
                   r"|.[、。」・]?", re.DOTALL)  # any other character, with the punctuation that must follow it


@cache
def charset(path: Path) -> frozenset[int]:
    """The code points the font has a glyph for (its cmap)."""
    with TTFont(path, lazy=True, fontNumber=0) as font:
        return frozenset(font.getBestCmap() or {})


@cache
def font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), EMOJI_SIZE if path == EMOJI else size)


def fallback(bold: bool) -> tuple[Path, ...]:
    return (LATIN_BOLD if bold else LATIN, JAPANESE, EMOJI)


@dataclass(frozen=True)
class Run:
    """Consecutive characters drawn with one font."""

    text: str
    path: Path


def runs(text: str, bold: bool = True) -> list[Run]:
    """Split `text` by the font that draws each character; characters no font has are dropped."""
    out: list[Run] = []
    for ch in text:
        code = ord(ch)
        path = next((p for p in fallback(bold) if code in charset(p)), None)
        if path is None:
            if code in INVISIBLE or ch.isspace():
                path = out[-1].path if out else fallback(bold)[0]
                ch = " " if ch.isspace() else ""
            else:
                continue  # no glyph anywhere: leave it out, never a tofu box
        if out and out[-1].path == path:
            out[-1] = Run(out[-1].text + ch, path)
        else:
            out.append(Run(ch, path))
    return [run for run in out if run.text]


def right_to_left(text: str) -> bool:
    """Whether the text's first strong character is Arabic or Hebrew (then it is set flush right)."""
    for ch in text:
        direction = unicodedata.bidirectional(ch)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def drawable(text: str, bold: bool = True) -> str:
    """The text as it will be drawn (what `runs` keeps)."""
    return "".join(run.text for run in runs(text, bold))


def run_width(run: Run, size: int) -> float:
    if run.path == EMOJI:
        return font(EMOJI, size).getlength(run.text) * size / EMOJI_SIZE
    return font(run.path, size).getlength(run.text)


def line_width(text: str, size: int, bold: bool = True) -> float:
    return sum(run_width(run, size) for run in runs(text, bold))


def wrap(text: str, size: int, width: float, bold: bool = True) -> list[str]:
    """Greedy wrap at spaces; a word wider than the box (or unspaced CJK) breaks between characters."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if line_width(candidate, size, bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        for piece in pieces(word, size, width, bold):  # the word alone does not fit: break it
            if line_width(current + piece, size, bold) > width and current:
                lines.append(current)
                current = ""
            current += piece
    if current:
        lines.append(current)
    return lines


def pieces(word: str, size: int, width: float, bold: bool) -> list[str]:
    """The word's unbreakable pieces (PIECE); a piece wider than the line itself breaks between characters."""
    out: list[str] = []
    for piece in PIECE.findall(word):
        out.extend(piece if line_width(piece, size, bold) > width else [piece])
    return out


@dataclass(frozen=True)
class Block:
    """Lines fitted into a box: the font size and the lines as drawn."""

    lines: tuple[str, ...]
    size: int
    line_height: int


def fit(text: str, width: float, height: float, max_size: int, min_size: int, bold: bool = True,
        max_lines: int = 4) -> Block:
    """The largest size at which `text` wraps into the box; at `min_size` the last line is cut with '…'."""
    size = max_size
    while True:
        lines = wrap(text, size, width, bold) or [""]
        line_height = int(size * 1.22)
        if (len(lines) <= max_lines and line_height * len(lines) <= height) or size <= min_size:
            break
        size = max(min_size, int(size * 0.9))
    fitting = max(1, min(max_lines, int(height // line_height)))
    if len(lines) > fitting:
        lines = lines[:fitting]
        last = lines[-1]
        while last and line_width(last + "…", size, bold) > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return Block(tuple(lines), size, line_height)


def draw_line(canvas: Image.Image, xy: tuple[float, float], text: str, size: int, fill: str,
              bold: bool = True) -> tuple[float, float, float, float]:
    """Draw one line at its top-left `xy`; returns the box it covers (left, top, right, bottom)."""
    draw = ImageDraw.Draw(canvas)
    x, y = xy
    baseline = y + font(fallback(bold)[0], size).getmetrics()[0]  # one baseline for every font on the line
    for run in runs(text, bold):
        if run.path == EMOJI:
            x += _paste_emoji(canvas, (x, y), run.text, size)
            continue
        face = font(run.path, size)
        draw.text((x, baseline), run.text, font=face, fill=fill, anchor="ls")
        x += face.getlength(run.text)
    return xy[0], y, x, y + size * 1.22


def _paste_emoji(canvas: Image.Image, xy: tuple[float, float], text: str, size: int) -> float:
    face = font(EMOJI, size)
    width = int(face.getlength(text)) or EMOJI_SIZE
    art = Image.new("RGBA", (width, int(EMOJI_SIZE * 1.25)), (0, 0, 0, 0))
    ImageDraw.Draw(art).text((0, 0), text, font=face, embedded_color=True)
    scale = size / EMOJI_SIZE
    art = art.resize((max(1, int(art.width * scale)), max(1, int(art.height * scale))), Image.Resampling.LANCZOS)
    canvas.paste(art, (int(xy[0]), int(xy[1] + size * 0.05)), art)
    return art.width
