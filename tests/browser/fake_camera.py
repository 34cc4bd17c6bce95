"""A fake camera for chromium: a .y4m video whose frames show a QR code (rendered with qrcode)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import qrcode
from PIL import Image

WIDTH, HEIGHT = 640, 480


def write_qr_video(payload: str, path: Path, frames: int = 20) -> Path:
    """YUV4MPEG2 4:2:0 frames of a black-on-white QR code, as `--use-file-for-fake-video-capture` reads."""
    code = qrcode.make(payload, box_size=8, border=4).get_image().convert("L")
    side = min(HEIGHT - 40, code.size[0])
    canvas = Image.new("L", (WIDTH, HEIGHT), 255)
    canvas.paste(code.resize((side, side), Image.NEAREST), ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    luma = np.asarray(canvas, dtype=np.uint8)
    chroma = np.full((HEIGHT // 2, WIDTH // 2), 128, dtype=np.uint8)  # no colour
    frame = luma.tobytes() + chroma.tobytes() + chroma.tobytes()
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + frame)
    return path
