"""Sanitiser for hostile uploads: signed permission documents and correction evidence (OWASP ASVS V5).

Every upload is treated as hostile. Only PDF, JPEG and PNG are accepted; the type is decided by the
content (magic bytes, then a full parse), images are re-encoded without any metadata and PDFs are
re-written without active content. Pure Python on purpose (no Django) so it can be tested alone.
"""

from __future__ import annotations

import io
import logging
import re
import socket
import struct
import threading
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

import filetype
import pikepdf
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 30
MAX_IMAGE_PIXELS = 40_000_000
MAX_DISPLAY_NAME = 100

_CHUNK_BYTES = 64 * 1024
_CLAMD_TIMEOUT_SECONDS = 30.0
_CLAMD_MAX_REPLY = 4096

_SEND_INSTEAD = gettext_lazy(
    "Please upload a PDF, JPEG or PNG file (for example a scan or photo of the signed permission)."
)


class UploadRejected(Exception):
    """Message is safe to show the uploader (in the active language) and says what to send instead."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class SanitizedUpload:
    content: bytes
    content_type: str
    extension: str
    display_name: str
    pages: int | None
    removed: tuple[str, ...]


@dataclass(frozen=True)
class _Kind:
    content_type: str
    extension: str
    pillow_format: str | None
    label: str  # in messages to the uploader


_PDF = _Kind("application/pdf", ".pdf", None, "PDF")
_JPEG = _Kind("image/jpeg", ".jpg", "JPEG", gettext_lazy("JPEG image"))
_PNG = _Kind("image/png", ".png", "PNG", gettext_lazy("PNG image"))
_KIND_BY_MIME = {kind.content_type: kind for kind in (_PDF, _JPEG, _PNG)}
_KIND_BY_EXTENSION = {".pdf": _PDF, ".jpg": _JPEG, ".jpeg": _JPEG, ".png": _PNG}

# Inner name segments that make a name like "permission.php.pdf" or "scan.html.png" suspicious:
# some servers and mail filters act on any extension in a name, not only the last one.
_CONCEALING_EXTENSIONS = frozenset(
    {
        "app", "apk", "asp", "aspx", "bash", "bat", "cgi", "cmd", "com", "cpl", "dll", "exe", "hta",
        "htm", "html", "jar", "js", "jse", "jsp", "jspx", "lnk", "mht", "mhtml", "mjs", "msi", "phar",
        "php", "php3", "php4", "php5", "php7", "phtml", "pl", "ps1", "py", "rb", "reg", "scr", "sh",
        "shtml", "svg", "svgz", "swf", "url", "vb", "vbe", "vbs", "wsf", "wsh", "xht", "xhtml", "xml",
        "xsl", "zip", "rar", "7z", "gz", "tar", "iso",
    }
)  # fmt: skip
_REFUSED_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"/\\|?*;]')

_JPEG_MODES = frozenset({"L", "RGB", "CMYK"})
_PNG_MODES = frozenset({"1", "L", "LA", "I;16", "RGB", "RGBA"})
# Pillow's decompression-bomb limit is process-global, so changing it must be serialised.
_PIXEL_LIMIT_LOCK = threading.Lock()

_EXTERNAL_ACTIONS = "external links and launch actions"
_ACTION_LABELS = {
    "/JavaScript": "JavaScript",
    "/Launch": _EXTERNAL_ACTIONS,
    "/URI": _EXTERNAL_ACTIONS,
    "/SubmitForm": _EXTERNAL_ACTIONS,
    "/ImportData": _EXTERNAL_ACTIONS,
    "/GoToR": _EXTERNAL_ACTIONS,
    "/GoToE": _EXTERNAL_ACTIONS,
    "/Rendition": "multimedia",
    "/Sound": "multimedia",
    "/Movie": "multimedia",
    "/RichMediaExecute": "multimedia",
}
_MULTIMEDIA_ANNOTATIONS = frozenset({"/Screen", "/Movie", "/Sound", "/RichMedia", "/3D"})


def read_capped(stream: BinaryIO, *, max_bytes: int = MAX_UPLOAD_BYTES) -> bytes:
    """Read the stream in chunks, refusing as soon as more than max_bytes have arrived."""
    buffer = bytearray()
    while True:
        chunk = stream.read(min(_CHUNK_BYTES, max_bytes + 1 - len(buffer)))
        if not chunk:
            return bytes(buffer)
        buffer += chunk
        if len(buffer) > max_bytes:
            raise UploadRejected(
                _(
                    "The file is larger than %(size)s. Please upload a smaller file, for example a scan at a "
                    "lower resolution, a photo, or a PDF with only the pages needed."
                )
                % {"size": _human_size(max_bytes)},
                code="too_large",
            )


def sanitize_upload(
    *,
    name: str,
    stream: BinaryIO,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_pdf_pages: int = MAX_PDF_PAGES,
    max_image_pixels: int = MAX_IMAGE_PIXELS,
    clamd: tuple[str, int] | None = None,
) -> SanitizedUpload:
    """Validate and clean one upload, or raise UploadRejected with a message for the uploader."""
    stem, claimed = _parse_name(name)
    data = read_capped(stream, max_bytes=max_bytes)
    kind = _detect_kind(data)
    if kind is not claimed:
        # Refused rather than silently renamed: a mismatch is either a mistake the uploader should see
        # or an attempt to smuggle one type under another's name.
        raise UploadRejected(
            _(
                "The file name says it is a %(claimed)s, but the file is actually a %(actual)s. Please rename "
                "it to end in %(extension)s and upload it again."
            )
            % {"claimed": claimed.label, "actual": kind.label, "extension": kind.extension},
            code="type_mismatch",
        )
    if kind is not _PDF:
        _refuse_data_after_image(data, kind)
    try:
        if kind is _PDF:
            content, pages, removed = _sanitize_pdf(data, max_pages=max_pdf_pages)
        else:
            content, removed = _sanitize_image(data, kind, max_pixels=max_image_pixels)
            pages = None
    except UploadRejected:
        raise
    except Exception:
        # Parser errors can quote file contents, so none of them is chained or logged.
        raise _malformed(kind) from None
    if clamd is not None:
        _clamd_scan(content, clamd)
    return SanitizedUpload(
        content=content,
        content_type=kind.content_type,
        extension=kind.extension,
        display_name=_display_name(stem, kind.extension),
        pages=pages,
        removed=removed,
    )


def _parse_name(name: str) -> tuple[str, _Kind]:
    if any(unicodedata.category(char) in _REFUSED_NAME_CATEGORIES for char in name):
        raise UploadRejected(
            _(
                "The file name contains characters that are not allowed. Please rename the file using "
                "ordinary letters and numbers, ending in .pdf, .jpg or .png, and upload it again."
            ),
            code="bad_name",
        )
    base = re.split(r"[\\/]", name)[-1].strip().rstrip(". ")
    if not base:
        raise UploadRejected(
            _(
                "The file has no name. Please upload a PDF, JPEG or PNG file whose name ends in .pdf, .jpg or .png."
            ),
            code="bad_name",
        )
    stem, dot, extension = base.rpartition(".")
    kind = _KIND_BY_EXTENSION.get(f".{extension.lower()}") if dot else None
    if kind is None:
        raise UploadRejected(_not_accepted(), code="bad_type")
    if any(part.strip().lower() in _CONCEALING_EXTENSIONS for part in stem.split(".")[1:]):
        raise UploadRejected(
            _(
                "The file name contains a second file type (for example “permission.html.pdf”). Please "
                "rename the file so its name ends only in .pdf, .jpg or .png and upload it again."
            ),
            code="bad_name",
        )
    return stem, kind


def _display_name(stem: str, extension: str) -> str:
    cleaned = " ".join(_UNSAFE_NAME_CHARS.sub("_", unicodedata.normalize("NFC", stem)).split())
    cleaned = cleaned[: MAX_DISPLAY_NAME - len(extension)].strip(" .") or "upload"
    return cleaned + extension


def _detect_kind(data: bytes) -> _Kind:
    if not data:
        raise UploadRejected(
            _("The file is empty. %(send_instead)s") % {"send_instead": _SEND_INSTEAD}, code="malformed"
        )
    guess = filetype.guess(data)
    kind = _KIND_BY_MIME.get(guess.mime) if guess is not None else None
    if kind is None:
        raise UploadRejected(_not_accepted(), code="bad_type")
    return kind


def _not_accepted() -> str:
    return _("This type of file is not accepted. %(send_instead)s") % {"send_instead": _SEND_INSTEAD}


def _malformed(kind: _Kind) -> UploadRejected:
    return UploadRejected(
        _(
            "The file could not be read as a valid %(kind)s; it may be damaged or not what its name says. "
            "Please open it on your device to check it, then upload it again, or upload a fresh scan or photo "
            "as a PDF, JPEG or PNG."
        )
        % {"kind": kind.label},
        code="malformed",
    )


# --- images ---------------------------------------------------------------------------------------


def _refuse_data_after_image(data: bytes, kind: _Kind) -> None:
    """Refuse bytes after the image's end marker (PNG IEND, JPEG EOI): a valid image followed by an
    HTML page or an archive is a polyglot that other software may open as that second file. Decoders
    ignore such a tail, so it is found by walking the file's own structure. Extra complete JPEG images
    after the first are allowed: phones store gain and depth maps there (Multi-Picture Format)."""
    end = _png_end(data) if kind is _PNG else _jpeg_end(data, 0)
    while kind is _JPEG and end is not None and end < len(data) and data.startswith(b"\xff\xd8", end):
        end = _jpeg_end(data, end)
    if end is None:
        raise _malformed(kind)
    if end != len(data):
        raise UploadRejected(
            _(
                "The file holds other data after the end of the %(kind)s, so it was not accepted. Please "
                "upload the image on its own: take a screenshot or export a fresh copy as %(extension)s, "
                "or upload a PDF."
            )
            % {"kind": kind.label, "extension": kind.extension},
            code="trailing_data",
        )


def _png_end(data: bytes) -> int | None:
    """The offset just after the IEND chunk, or None when the chunks do not hold together."""
    offset = 8  # the signature
    while offset + 12 <= len(data):
        length, chunk_type = struct.unpack(">I4s", data[offset : offset + 8])
        offset += 12 + length
        if offset > len(data):
            return None
        if chunk_type == b"IEND":
            return offset
    return None


_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and RSTn carry no length


def _jpeg_end(data: bytes, start: int) -> int | None:
    """The offset just after the EOI marker of the JPEG starting at `start` (its SOI), or None."""
    offset = start + 2
    size = len(data)
    while offset < size:
        if data[offset] != 0xFF:
            return None
        while offset < size and data[offset] == 0xFF:  # fill bytes
            offset += 1
        if offset >= size:
            return None
        marker = data[offset]
        offset += 1
        if marker == 0xD9:
            return offset
        if marker in _JPEG_STANDALONE:
            continue
        if marker in (0x00, 0xD8) or offset + 2 > size:
            return None
        length = struct.unpack(">H", data[offset : offset + 2])[0]
        if length < 2:
            return None
        offset += length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker that is not
            while True:  # a stuffed zero or a restart marker
                offset = data.find(b"\xff", offset)
                if offset < 0 or offset + 1 >= size:
                    return None
                following = data[offset + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    offset += 1 if following == 0xFF else 2
                    continue
                break
    return None


def _sanitize_image(data: bytes, kind: _Kind, *, max_pixels: int) -> tuple[bytes, tuple[str, ...]]:
    formats = [kind.pillow_format]
    too_large = UploadRejected(
        _(
            "This image has too many pixels (more than %(megapixels)s megapixels). Please upload a smaller "
            "photo or scan (for example at 300 dpi) as JPEG or PNG, or a PDF."
        )
        % {"megapixels": f"{max_pixels / 1_000_000:g}"},
        code="image_too_large",
    )
    with _pixel_limit(max_pixels):
        try:
            with Image.open(io.BytesIO(data), formats=formats) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data), formats=formats) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise too_large
                image.load()
                removed = _image_metadata(image)
                ImageOps.exif_transpose(image, in_place=True)
                clean = _fresh_copy(image, kind)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise too_large from None
    output = io.BytesIO()
    if kind is _JPEG:
        clean.save(output, "JPEG", quality=90, optimize=True)
    else:
        clean.save(output, "PNG", optimize=True)
    return output.getvalue(), removed


@contextmanager
def _pixel_limit(max_pixels: int) -> Iterator[None]:
    with _PIXEL_LIMIT_LOCK, warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        previous = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = max_pixels
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = previous


def _image_metadata(image: Image.Image) -> tuple[str, ...]:
    info = image.info
    found = {
        "EXIF metadata": "exif" in info or len(image.getexif()) > 0,
        "XMP metadata": "xmp" in info or "XML:com.adobe.xmp" in info,
        "IPTC metadata": "photoshop" in info,
        "ICC colour profile": "icc_profile" in info,
        "text comments": "comment" in info or bool(getattr(image, "text", None)),
    }
    return tuple(label for label, present in found.items() if present)


def _fresh_copy(image: Image.Image, kind: _Kind) -> Image.Image:
    """Copy only the pixels into a new image: Pillow's savers fall back to image.info for some metadata."""
    if kind is _JPEG:
        mode = image.mode if image.mode in _JPEG_MODES else "RGB"
    elif image.mode in _PNG_MODES:
        mode = image.mode
    else:
        mode = "RGBA" if image.has_transparency_data else "RGB"
    source = image if mode == image.mode else image.convert(mode)
    clean = Image.new(mode, source.size)
    clean.paste(source)
    return clean


# --- PDFs -----------------------------------------------------------------------------------------


def _sanitize_pdf(data: bytes, *, max_pages: int) -> tuple[bytes, int, tuple[str, ...]]:
    encrypted = UploadRejected(
        _(
            "This PDF is password-protected or encrypted, so it cannot be checked. Please remove the "
            "protection and upload an unprotected PDF, or upload a scan as JPEG/PNG."
        ),
        code="encrypted_pdf",
    )
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise encrypted from None
    with pdf:
        if pdf.is_encrypted:
            raise encrypted
        pages = len(pdf.pages)
        if pages == 0:
            raise _malformed(_PDF)
        if pages > max_pages:
            raise UploadRejected(
                _(
                    "This PDF has more than %(max)d pages. Please upload only the pages needed (at most "
                    "%(max)d), for example the signed permission page(s)."
                )
                % {"max": max_pages},
                code="too_many_pages",
            )
        removed: dict[str, None] = {}
        _strip_document(pdf, removed)
        _strip_pages(pdf, removed)
        _strip_all_objects(pdf, removed)
        output = io.BytesIO()
        pdf.save(
            output,
            compress_streams=True,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            linearize=False,
            encryption=False,
            preserve_pdfa=False,
            fix_metadata_version=False,
        )
    content = output.getvalue()
    with pikepdf.open(io.BytesIO(content)) as check:
        if check.is_encrypted or len(check.pages) != pages:
            raise _malformed(_PDF)
    return content, pages, tuple(removed)


def _strip_document(pdf: pikepdf.Pdf, removed: dict[str, None]) -> None:
    root = pdf.Root
    _pop(root, "/OpenAction", "OpenAction", removed)
    _pop(root, "/AA", "document actions", removed)
    _pop(root, "/AcroForm", "interactive forms", removed)
    _pop(root, "/NeedsRendering", "interactive forms", removed)
    _pop(root, "/Collection", "embedded files", removed)
    _pop(root, "/Metadata", "XMP metadata", removed)
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        _pop(names, "/JavaScript", "JavaScript", removed)
        _pop(names, "/EmbeddedFiles", "embedded files", removed)
    _pop(pdf.trailer, "/Info", "document information", removed)


def _strip_pages(pdf: pikepdf.Pdf, removed: dict[str, None]) -> None:
    for page in pdf.pages:
        page_dict = page.obj
        _pop(page_dict, "/AA", "page actions", removed)
        annotations = page_dict.get("/Annots")
        if annotations is None:
            continue
        if not isinstance(annotations, pikepdf.Array):
            del page_dict["/Annots"]
            continue
        kept = []
        for annotation in annotations:
            if not isinstance(annotation, pikepdf.Dictionary):
                continue
            subtype = _name(annotation, "/Subtype")
            if subtype == "/FileAttachment":
                removed["embedded files"] = None
            elif subtype in _MULTIMEDIA_ANNOTATIONS:
                removed["multimedia"] = None
            elif subtype == "/Link" and _dangerous_action(annotation.get("/A")):
                removed[_EXTERNAL_ACTIONS] = None
            else:
                _pop(annotation, "/A", "annotation actions", removed)
                _pop(annotation, "/AA", "annotation actions", removed)
                kept.append(annotation)
        page_dict.Annots = pikepdf.Array(kept)


def _strip_all_objects(pdf: pikepdf.Pdf, removed: dict[str, None]) -> None:
    """Walk every object, including ones reachable only from outlines, form widgets or orphans."""
    pending: list[pikepdf.Object] = [pdf.trailer, *pdf.objects]
    seen: set[tuple[int, int]] = set()
    while pending:
        obj = pending.pop()
        if not isinstance(obj, pikepdf.Array | pikepdf.Dictionary | pikepdf.Stream):
            continue
        if obj.is_indirect:
            if obj.objgen in seen:
                continue
            seen.add(obj.objgen)
        if isinstance(obj, pikepdf.Array):
            pending.extend(obj)
        else:
            _strip_dictionary(obj, removed)
            pending.extend(obj[key] for key in obj.keys())


def _strip_dictionary(obj: pikepdf.Object, removed: dict[str, None]) -> None:
    _pop(obj, "/JS", "JavaScript", removed)
    _pop(obj, "/JavaScript", "JavaScript", removed)
    _pop(obj, "/AA", "automatic actions", removed)
    _pop(obj, "/EF", "embedded files", removed)
    _pop(obj, "/Metadata", "XMP metadata", removed)
    for key in ("/A", "/OpenAction", "/Next"):
        label = _dangerous_action(obj.get(key))
        if label:
            del obj[key]
            removed[label] = None
    label = _ACTION_LABELS.get(_name(obj, "/S") or "")
    if label and _name(obj, "/Type") != "/StructElem":
        # A dangerous action may still be referenced from somewhere not handled above (its /Type is
        # optional and viewers ignore a wrong one), so empty it; structure elements reuse /S for their role.
        for key in list(obj.keys()):
            if key not in ("/Type", "/S"):
                del obj[key]
        removed[label] = None


def _dangerous_action(action: pikepdf.Object | None) -> str | None:
    """The label of the first dangerous action in an action dictionary or its /Next chain."""
    pending = [action]
    seen: set[tuple[int, int]] = set()
    while pending:
        current = pending.pop()
        if isinstance(current, pikepdf.Array):
            pending.extend(current)
        elif isinstance(current, pikepdf.Dictionary):
            if current.is_indirect:
                if current.objgen in seen:
                    continue
                seen.add(current.objgen)
            label = _ACTION_LABELS.get(_name(current, "/S") or "")
            if label:
                return label
            pending.append(current.get("/Next"))
    return None


def _name(obj: pikepdf.Object, key: str) -> str | None:
    value = obj.get(key)
    return str(value) if isinstance(value, pikepdf.Name) else None


def _pop(obj: pikepdf.Object, key: str, label: str, removed: dict[str, None]) -> None:
    if key in obj:
        del obj[key]
        removed[label] = None


# --- virus scan -----------------------------------------------------------------------------------


def _clamd_scan(content: bytes, address: tuple[str, int]) -> None:
    """Scan by clamd's INSTREAM protocol; refuse when a signature matches or the scan cannot be done."""
    unavailable = UploadRejected(
        _(
            "We could not complete the virus check on your file just now. Please try uploading it again in a "
            "few minutes."
        ),
        code="scan_unavailable",
    )
    try:
        with socket.create_connection(address, timeout=_CLAMD_TIMEOUT_SECONDS) as connection:
            connection.sendall(b"zINSTREAM\0")
            for start in range(0, len(content), _CHUNK_BYTES):
                chunk = content[start : start + _CHUNK_BYTES]
                connection.sendall(struct.pack(">I", len(chunk)) + chunk)
            connection.sendall(struct.pack(">I", 0))
            reply = _read_reply(connection)
    except OSError as error:
        logger.warning("clamd scan failed: %s", type(error).__name__)
        raise unavailable from None
    if reply.endswith(" FOUND"):
        signature = reply.removeprefix("stream:").removesuffix(" FOUND").strip()
        logger.warning("upload refused by clamd: %s", signature)
        raise UploadRejected(
            _(
                "Our virus scanner found a threat in this file, so it was not accepted. Please check your "
                "device for viruses, then upload a clean copy of the document as a PDF, JPEG or PNG."
            ),
            code="infected",
        )
    if not reply.endswith(" OK"):
        logger.warning("clamd gave an unexpected reply")
        raise unavailable


def _read_reply(connection: socket.socket) -> str:
    reply = bytearray()
    while b"\0" not in reply and len(reply) < _CLAMD_MAX_REPLY:
        chunk = connection.recv(_CLAMD_MAX_REPLY)
        if not chunk:
            break
        reply += chunk
    return reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def _human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} bytes"
