"""What an uploaded evidence file is, judged from its bytes (never its name), and photos without their
location: limits, type sniffing and metadata stripping. No database here."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_CASE = 9
#: a decompression bomb (a tiny file that inflates to gigapixels) is refused before it is decoded
MAX_PIXELS = 40_000_000
KINDS = ("photo", "medical_report", "test_report")
_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class EvidenceRejected(ValueError):
    """Why a file cannot be evidence; `status` is the HTTP answer (413 too large, 415 wrong type, 422 bad)."""

    def __init__(self, status: int, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.status = status


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    kind: str
    width: int | None = None
    height: int | None = None


def sniff(content: bytes) -> str | None:
    """The content type the bytes themselves declare (magic numbers), or None for anything else."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def accept(content: bytes, kind: str | None) -> CleanFile:
    """Check one upload and return what is stored: photos re-encoded without EXIF (GPS) and other metadata."""
    if len(content) > MAX_FILE_BYTES:
        raise EvidenceRejected(413, f"单个文件不能超过 {MAX_FILE_BYTES // 1024 // 1024} MB",
                               f"a file may not exceed {MAX_FILE_BYTES // 1024 // 1024} MB")
    if not content:
        raise EvidenceRejected(422, "文件为空", "the file is empty")
    if kind is not None and kind not in KINDS:
        raise EvidenceRejected(422, f"凭证类型须为 {'/'.join(KINDS)}", f"kind must be one of {', '.join(KINDS)}")
    declared = sniff(content)
    if declared is None:
        raise EvidenceRejected(415, "只接受 JPEG、PNG、WebP 图片或 PDF 文件",
                               "only JPEG, PNG, WebP images and PDF documents are accepted")
    if declared == "application/pdf":
        if kind is None or kind == "photo":
            raise EvidenceRejected(422, "PDF 须注明是医院报告还是检测报告（kind）",
                                   "a PDF needs its kind: medical_report or test_report")
        return CleanFile(content, declared, kind)
    return _clean_image(content, kind or "photo")


def _clean_image(content: bytes, kind: str) -> CleanFile:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content))
            if image.width * image.height > MAX_PIXELS:
                raise EvidenceRejected(422, "图片像素过多", "the image has too many pixels")
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as error:
        raise EvidenceRejected(422, "图片已损坏或无法识别", "the image is damaged or unreadable") from error
    content_type = _IMAGE_FORMATS.get(image.format or "")
    if content_type is None:
        raise EvidenceRejected(415, "只接受 JPEG、PNG、WebP 图片", "only JPEG, PNG and WebP images are accepted")
    # the EXIF orientation is applied to the pixels, then every piece of metadata (GPS location, camera,
    # timestamps) is left behind: the new encoding carries pixels only
    upright = ImageOps.exif_transpose(image)
    upright.info = {}
    out = io.BytesIO()
    if content_type == "image/jpeg":
        upright.convert("RGB").save(out, format="JPEG", quality=90, exif=b"", icc_profile=None)
    elif content_type == "image/png":
        upright.save(out, format="PNG", exif=b"")
    else:
        upright.save(out, format="WEBP", quality=90, exif=b"", xmp=b"", icc_profile=None)
    return CleanFile(out.getvalue(), content_type, kind, upright.width, upright.height)
