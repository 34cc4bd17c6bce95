"""QR codes as inline SVG (crisp at any size, black on white for dim door lights)."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg


def qr_svg(payload: str) -> str:
    image = qrcode.make(
        payload, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    svg = svg[svg.index("<svg"):]  # drop the XML declaration: the SVG is inlined into the page
    return svg.replace("<svg ", '<svg style="width:100%;height:auto;display:block" ', 1)
