"""A fake camera for chromium: a .y4m video whose frames show a QR code (rendered with qrcode)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import qrcode
from PIL import Image

WIDTH, HEIGHT = 640, 480


def write_qr_video(payload: str, path: Path, frames: int = 20) -> Path:
    """YUV4MPEG2 4:2:0 frames of a black-on-white QR code, as `--use-file-for-fake-video-capture` reads.

    Each frame holds the code a little differently (size, tilt, position), as a hand in front of a
    phone does. Identical frames would fail for about one payload in six: ZXing's JavaScript
    detector misjudges the module count of some perfectly sharp codes (zxing-js/library#653), and a
    real camera never shows it the same picture twice."""
    code = qrcode.make(payload, box_size=8, border=4).get_image().convert("L")
    rng = random.Random(payload)
    chroma = np.full((HEIGHT // 2, WIDTH // 2), 128, dtype=np.uint8).tobytes()  # no colour
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            side = int(code.size[0] * rng.uniform(0.85, 1.25))
            held = code.resize((side, side), Image.BILINEAR).rotate(
                rng.uniform(-6, 6), resample=Image.BILINEAR, expand=True, fillcolor=255)
            canvas = Image.new("L", (WIDTH, HEIGHT), 255)
            canvas.paste(held, ((WIDTH - held.size[0]) // 2 + rng.randint(-40, 40),
                                (HEIGHT - held.size[1]) // 2 + rng.randint(-15, 15)))
            video.write(b"FRAME\n" + np.asarray(canvas, dtype=np.uint8).tobytes() + chroma + chroma)
    return path
