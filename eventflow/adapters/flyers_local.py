"""The local flyer engine (no key, no network): designed layouts rendered with Pillow, the A4 or A3 poster
as a PDF with fpdf2, captions from templates.

Every format is one layout scaled to its canvas: title, date and time, venue, the lowest price, and
the QR of the event link (`?ref=flyer`) with the link under it. Text keeps a safe margin (on the A4
poster at least 12 mm from the trim, so a print shop's bleed and cutting never reach it); the
background runs to the edge. Templates (THEMES) differ in colours and decoration; `background`
art (the AI engine's) replaces the template's background under a shade that keeps text readable."""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import qrcode
from fpdf import FPDF
from fpdf.enums import TextMode
from PIL import Image, ImageDraw, ImageFilter

from eventflow.adapters import flyers_text as text
from eventflow.adapters.flyers_captions import SCAN_EN, artwork_words, captions, hashtags
from eventflow.domain.flyers import A4, ARTWORK, BOTH, THEMES, FlyerDraft, FlyerFacts

SQUARE = (1080, 1080)
STORY = (1080, 1920)
PAPER_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}  # the print poster's page (domain/flyers.py PAPERS)
POSTER_DPI = 150  # enough for a poster read from a step away; A3 costs twice A4's pixels
POSTER_SAFE_MM = 12.0


def poster_px(paper: str) -> tuple[int, int]:
    width, height = PAPER_MM[paper]
    return round(width / 25.4 * POSTER_DPI), round(height / 25.4 * POSTER_DPI)


POSTER_PX = poster_px("A4")  # 1240 x 1754


@dataclass(frozen=True)
class Template:
    top: str  # background gradient, top to bottom
    bottom: str
    ink: str  # title and facts
    accent: str  # price pill, rules, decoration
    accent_ink: str  # text on the accent
    muted: str  # small print


TEMPLATES = {
    "classic": Template("#f7f1e3", "#efe4cc", "#1d1a16", "#b3412f", "#ffffff", "#5b5246"),
    "night": Template("#10142b", "#2a1846", "#f5f2ff", "#f2c14e", "#10142b", "#b9b3d6"),
    "bold": Template("#ff4f3a", "#d81b60", "#ffffff", "#111111", "#ffffff", "#ffe3dc"),
    "pastel": Template("#e8f4f2", "#f6e3ee", "#243447", "#6c63ff", "#ffffff", "#55657a"),
}


def ink_on(colour: str) -> str:
    """Black or white, whichever reads better on `colour` (relative luminance)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#111111" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 150 else "#ffffff"


def template(style: str) -> Template:
    return TEMPLATES.get(style.lower(), TEMPLATES[THEMES[0]])


@dataclass
class LocalFlyers:
    """`FlyerGenerator` with Pillow; `render` is also the AI engine's layout. With `covers` (the cover
    images' folder, adapters/covers.py) the accent colour comes from the event's cover when it has one."""

    covers: Path | None = None

    def generate(self, facts: FlyerFacts, theme: str, style: str, parts: frozenset[str] = BOTH,
                 paper: str = A4) -> FlyerDraft:
        files = render(facts, style, accent=self.cover_accent(facts.event_id), paper=paper) \
            if ARTWORK in parts else {}
        return FlyerDraft(files=files, captions=captions(facts, style), hashtags=hashtags(facts, style))

    def cover_accent(self, event_id: str) -> str | None:
        path = self.covers / f"{event_id}.jpg" if self.covers else None
        return accent_of(path) if path and path.is_file() else None


def accent_of(path: Path) -> str | None:
    """The cover's most common vivid colour (a 6-colour palette, ignoring greys), as #rrggbb."""
    try:
        with Image.open(path) as cover:
            small = cover.convert("RGB").resize((64, 64))
    except (OSError, ValueError):
        return None
    palette = small.quantize(colors=6)
    colours = palette.getpalette() or []
    for _, index in sorted(palette.getcolors() or [], key=lambda count: count[0], reverse=True):
        if not isinstance(index, int):
            continue
        r, g, b = colours[index * 3: index * 3 + 3]
        if max(r, g, b) - min(r, g, b) > 60 and max(r, g, b) > 60:  # vivid, neither grey nor near black
            return f"#{r:02x}{g:02x}{b:02x}"
    return None


# The cached FreeType faces (flyers_text.font) are shared: one rendering at a time in the process, so two
# flyers made at once for different events never draw with one face from two threads.
RENDERING = threading.Lock()


def render(facts: FlyerFacts, style: str, background: Image.Image | None = None,
           accent: str | None = None, paper: str = A4) -> dict[str, bytes]:
    with RENDERING:
        return _render(facts, style, background, accent, paper)


def _render(facts: FlyerFacts, style: str, background: Image.Image | None, accent: str | None,
            paper: str) -> dict[str, bytes]:
    facts, scan = artwork_words(facts)  # the date, price and QR line in the description's language
    look = template(style)
    if accent:  # the cover's colour on the rule, the price pill and the glow; text colours stay readable
        look = replace(look, accent=accent, accent_ink=ink_on(accent))
    square = canvas(facts, look, SQUARE, background, scan=scan)
    story = canvas(facts, look, STORY, background, scan=scan)
    size = poster_px(paper)
    poster = canvas(facts, look, size, background, safe=math.ceil(size[0] * POSTER_SAFE_MM / PAPER_MM[paper][0]),
                    scan=scan)
    return {"poster_pdf": poster_pdf(poster, facts, paper), "square_png": png(square), "story_png": png(story)}


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False, compress_level=3)
    return out.getvalue()


def canvas(facts: FlyerFacts, look: Template, size: tuple[int, int], background: Image.Image | None = None,
           safe: int | None = None, scan: str = SCAN_EN) -> Image.Image:
    return layout(facts, look, size, background, safe, scan)[0]


Box = tuple[float, float, float, float]


def layout(facts: FlyerFacts, look: Template, size: tuple[int, int], background: Image.Image | None = None,
           safe: int | None = None, scan_words: str = SCAN_EN) -> tuple[Image.Image, list[Box]]:
    """The artwork and the box of every text line and the QR (left, top, right, bottom), for checks."""
    width, height = size
    boxes: list[Box] = []
    image = backdrop(look, size, background)
    margin = safe or int(min(width, height) * 0.075)
    inner = width - 2 * margin
    draw = ImageDraw.Draw(image)
    unit = min(width, height) / 1080  # sizes are designed on the 1080 px square
    portrait = height > width * 1.2
    y = margin + (height * 0.14 if portrait else 0)

    # the rule and the date line above the title
    draw.rectangle((margin, y, margin + 120 * unit, y + 10 * unit), fill=look.accent)
    y += 40 * unit
    when = text.fit(facts.when, inner, 60 * unit, int(40 * unit), int(22 * unit), bold=True, max_lines=1)
    boxes.append(text.draw_line(image, (margin, y), when.lines[0], when.size, look.ink))
    y += when.line_height + 24 * unit

    qr_side = int((300 if portrait else 250) * unit)
    title_height = (height * 0.42 if portrait else height - y - margin - qr_side - 150 * unit)
    title_size = int((128 if portrait else 112) * unit)
    block = text.fit(facts.title, inner, title_height, title_size, int(40 * unit), max_lines=5)
    flush_right = text.right_to_left(facts.title)
    for line in block.lines:
        x = margin + inner - text.line_width(line, block.size) if flush_right else margin
        boxes.append(text.draw_line(image, (x, y), line, block.size, look.ink))
        y += block.line_height
    y += 20 * unit
    if facts.venue:
        venue = text.fit(facts.venue, inner, 100 * unit, int(38 * unit), int(24 * unit), bold=False, max_lines=2)
        for line in venue.lines:
            boxes.append(text.draw_line(image, (margin, y), line, venue.size, look.ink, bold=False))
            y += venue.line_height

    # the price pill and the QR share the bottom band
    bottom = height - margin
    qr = qr_image(facts.url, qr_side, look)
    image.paste(qr, (int(width - margin - qr_side), int(bottom - qr_side)))
    if facts.price:
        pill = text.fit(facts.price, inner - qr_side - 60 * unit, 70 * unit, int(48 * unit), int(24 * unit),
                        max_lines=1)
        pad = 22 * unit
        pill_width = text.line_width(pill.lines[0], pill.size) + 2 * pad
        top = bottom - qr_side
        draw.rounded_rectangle((margin, top, margin + pill_width, top + pill.line_height + pad), radius=int(pad),
                               fill=look.accent)
        boxes.append(text.draw_line(image, (margin + pad, top + pad / 2), pill.lines[0], pill.size, look.accent_ink))
    link = text.fit(facts.url.split("://", 1)[-1].split("?", 1)[0], inner - qr_side - 40 * unit, 40 * unit,
                    int(26 * unit), int(14 * unit), bold=False, max_lines=1)
    boxes.append(text.draw_line(image, (margin, bottom - link.line_height), link.lines[0], link.size, look.muted,
                                bold=False))
    scan = text.fit(scan_words, inner - qr_side - 40 * unit, 40 * unit, int(26 * unit), int(14 * unit),
                    max_lines=1)
    boxes.append(text.draw_line(image, (margin, bottom - link.line_height - scan.line_height), scan.lines[0],
                                scan.size, look.muted))
    boxes.append((width - margin - qr_side, bottom - qr_side, width - margin, bottom))
    return image, boxes


def backdrop(look: Template, size: tuple[int, int], background: Image.Image | None) -> Image.Image:
    width, height = size
    if background is not None:
        art = cover_fit(background.convert("RGB"), size)
        shade = Image.new("RGB", size, look.top)
        return Image.blend(art, shade, 0.55)  # the art shows through; the facts stay readable
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.composite(Image.new("RGB", size, look.bottom), Image.new("RGB", size, look.top), gradient)
    # soft circles: decoration that never sits under the text's edge-to-edge lines
    # drawn and blurred at 1/8 scale, then enlarged: the same soft shapes for a fraction of the work
    small = (max(1, width // 8), max(1, height // 8))
    glow = Image.new("L", small, 0)
    glow_draw = ImageDraw.Draw(glow)
    r = int(min(small) * 0.45)
    glow_draw.ellipse((small[0] - r, -r // 2, small[0] + r, int(r * 1.5)), fill=90)
    glow_draw.ellipse((-r // 2, small[1] - r, int(r * 0.9), small[1] + r // 2), fill=60)
    glow = glow.filter(ImageFilter.GaussianBlur(min(small) / 30)).resize(size, Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", size, look.accent), image, glow)


def cover_fit(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    scale = max(size[0] / image.width, size[1] / image.height)
    resized = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))))
    left, top = (resized.width - size[0]) // 2, (resized.height - size[1]) // 2
    return resized.crop((left, top, left + size[0], top + size[1]))


def qr_image(url: str, side: int, look: Template) -> Image.Image:
    return qr_modules(url).resize((side, side), Image.Resampling.NEAREST)


@lru_cache(maxsize=32)
def qr_modules(url: str) -> Image.Image:
    """The QR code at one pixel per module (encoding is the slow part; every format scales this one)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=1)
    code.add_data(url)
    code.make(fit=True)
    # dark on white whatever the template: phone scanners want contrast and a quiet zone
    return code.make_image(fill_color="#111111", back_color="#ffffff").get_image().convert("RGB")


def poster_pdf(poster: Image.Image, facts: FlyerFacts, paper: str = A4) -> bytes:
    """An A4 or A3 page: the artwork edge to edge, and the facts as invisible text so the PDF is searchable
    and its title can be copied."""
    page = PAPER_MM[paper]
    pdf = FPDF(unit="mm", format=page)
    pdf.set_auto_page_break(False)
    pdf.set_title(facts.title)
    pdf.set_creator("EventFlow")
    pdf.add_page()
    jpeg = io.BytesIO()
    poster.save(jpeg, "JPEG", quality=90)
    pdf.image(jpeg, x=0, y=0, w=page[0], h=page[1])
    pdf.add_font("DejaVu", "", str(text.LATIN))
    pdf.set_font("DejaVu", size=10)
    pdf.text_mode = TextMode.INVISIBLE
    pdf.set_xy(POSTER_SAFE_MM, POSTER_SAFE_MM)
    latin = text.charset(text.LATIN)  # the PDF's text font; other scripts are in the artwork only
    words = ["".join(c for c in line if ord(c) in latin).strip()
             for line in (facts.title, facts.when, facts.venue, facts.price, facts.url)]
    for line in filter(None, words):
        pdf.cell(page[0] - 2 * POSTER_SAFE_MM, 5, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
