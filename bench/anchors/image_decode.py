"""Anchors: JPEG bytes -> normalised 3x64x64 float32 CHW (RGB, (v/255 - 0.5)/0.5), the same
output as mmfuse's ImageDecoder with default options, with OpenCV-Python (cv2.imdecode +
cv2.resize INTER_AREA, as ImageDecoder does when shrinking) and with Pillow (Image.open +
resize BOX, Pillow's area average; optionally with JPEG draft mode, which decodes at a reduced
DCT scale and so does less work than the others).

Modes: 'single' decodes one image per call on the calling thread; 'batch' decodes all 256 images
per call with a thread pool of --threads workers (both libraries release the GIL while decoding).
Each library is told to use one internal thread, as the Java side is.
"""
import argparse
import io
import os
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
from PIL import Image

from common import emit, first_images, measure

SIZE = 64
COUNT = 256

p = argparse.ArgumentParser()
p.add_argument("--images", required=True)
p.add_argument("--lib", choices=["cv2", "pil", "pil-draft"], required=True)
p.add_argument("--mode", choices=["single", "batch"], required=True)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--out", required=True)
p.add_argument("--samples-dir", help="write the first 8 outputs as images-<lib>.npy for report.py")
a = p.parse_args()

cv2.setNumThreads(1)
images = first_images(a.images, COUNT)


def to_chw(rgb_u8):
    return np.ascontiguousarray((rgb_u8.astype(np.float32) * (1.0 / 127.5) - 1.0).transpose(2, 0, 1))


def decode_cv2(data):
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    small = cv2.resize(bgr, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return to_chw(small[:, :, ::-1])


def decode_pil(data):
    im = Image.open(io.BytesIO(data))
    if a.lib == "pil-draft":
        im.draft("RGB", (SIZE, SIZE))
    im = im.convert("RGB").resize((SIZE, SIZE), Image.BOX)
    return to_chw(np.asarray(im))


decode = decode_cv2 if a.lib == "cv2" else decode_pil

if a.samples_dir:
    np.save(os.path.join(a.samples_dir, f"images-{a.lib}.npy"),
            np.stack([decode(images[i]).reshape(-1) for i in range(8)]))

if a.mode == "single":
    state = {"i": 0}

    def op():
        decode(images[state["i"]])
        state["i"] = (state["i"] + 1) % COUNT

    ms = measure(op)
    emit(a.out, bench="image-single", impl=a.lib, threads=1, ms=ms, items_per_op=1)
else:
    out = np.empty((COUNT, 3, SIZE, SIZE), np.float32)
    pool = ThreadPoolExecutor(max_workers=a.threads)

    def put(i):
        out[i] = decode(images[i])

    def op():
        if a.threads == 1:
            for i in range(COUNT):
                put(i)
        else:
            list(pool.map(put, range(COUNT)))

    ms = measure(op)
    pool.shutdown()
    emit(a.out, bench="image-batch", impl=a.lib, threads=a.threads, ms=ms, items_per_op=COUNT)
