"""Checks of rendered flyer artwork shared by the flyer tests: the QR decodes, the PDF is A4 with text."""

from __future__ import annotations

import io

import pypdf
import zxingcpp
from PIL import Image


def qr_texts(png: bytes) -> list[str]:
    with Image.open(io.BytesIO(png)) as image:
        return [result.text for result in zxingcpp.read_barcodes(image.convert("RGB"))]


def pdf_page(pdf: bytes) -> tuple[float, float, str]:
    """Width and height in points and the text of the first page."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    return float(page.mediabox.width), float(page.mediabox.height), page.extract_text()
