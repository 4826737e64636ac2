"""Hostile-upload sanitiser: every malicious sample is generated here in code, no binary fixtures."""

from __future__ import annotations

import io
import socket
import struct
import threading
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from verification.uploads import (
    MAX_PDF_PAGES,
    MAX_UPLOAD_BYTES,
    SanitizedUpload,
    UploadRejected,
    read_capped,
    sanitize_upload,
)

CHUNK_ALLOWANCE = 64 * 1024


# --- helpers ------------------------------------------------------------------------------------


def sanitize(name: str, data: bytes, **kwargs: object) -> SanitizedUpload:
    return sanitize_upload(name=name, stream=io.BytesIO(data), **kwargs)


def refused(code: str, name: str, data: bytes, **kwargs: object) -> UploadRejected:
    """Assert the upload is refused with `code` and a message that says what to send instead."""
    with pytest.raises(UploadRejected) as caught:
        sanitize(name, data, **kwargs)
    error = caught.value
    assert error.code == code
    assert_tells_what_to_send_instead(error.message)
    return error


def assert_tells_what_to_send_instead(message: str) -> None:
    assert "Please" in message
    assert any(hint in message for hint in ("PDF", "JPEG", "PNG", ".pdf", ".jpg", ".png", "again"))


def image_bytes(
    fmt: str, size: tuple[int, int] = (40, 20), mode: str = "RGB", **save_kwargs: object
) -> bytes:
    output = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else 128).save(output, fmt, **save_kwargs)
    return output.getvalue()


def blank_pdf(pages: int = 1) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(200, 200))
    return pdf


def pdf_bytes(pdf: pikepdf.Pdf, **save_kwargs: object) -> bytes:
    output = io.BytesIO()
    pdf.save(output, **save_kwargs)
    return output.getvalue()


def all_dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    """Every dictionary and stream in the file, direct or indirect."""
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
            yield obj
            pending.extend(obj[key] for key in obj.keys())


def action_types(pdf: pikepdf.Pdf) -> set[str]:
    return {str(obj.S) for obj in all_dictionaries(pdf) if isinstance(obj.get("/S"), pikepdf.Name)}


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A 1-bit greyscale PNG of `width`x`height` zero pixels, streamed through zlib row by row.

    Built by hand rather than with Pillow because Pillow would hold all 400 million pixels in memory;
    the result is about 50 KB.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    compressor = zlib.compressobj(9)
    row = bytes(1 + (width + 7) // 8)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


class CountingZeroStream:
    """A file-like body of `size` zero bytes that records how much was actually read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.bytes_read = 0

    def read(self, n: int = -1) -> bytes:
        remaining = self.size - self.bytes_read
        count = remaining if n is None or n < 0 else min(n, remaining)
        self.bytes_read += count
        return bytes(count)


@contextmanager
def fake_clamd(reply: bytes) -> Iterator[tuple[tuple[str, int], dict[str, bytes]]]:
    """A one-shot clamd on 127.0.0.1 that records an INSTREAM request and answers `reply`."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(10)
    received: dict[str, bytes] = {}

    def serve() -> None:
        connection, _ = server.accept()
        with connection, connection.makefile("rb") as incoming:
            received["command"] = incoming.read(len(b"zINSTREAM\0"))
            body = bytearray()
            while length := struct.unpack(">I", incoming.read(4))[0]:
                body += incoming.read(length)
            received["body"] = bytes(body)
            connection.sendall(reply)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[:2], received
    finally:
        thread.join(timeout=10)
        server.close()


VALID_JPEG = image_bytes("JPEG")
VALID_PNG = image_bytes("PNG")
VALID_PDF = pdf_bytes(blank_pdf())


# --- accepted files -----------------------------------------------------------------------------


def test_valid_pdf_is_accepted_as_pdf_with_its_page_count() -> None:
    result = sanitize("Signed permission.pdf", pdf_bytes(blank_pdf(pages=2)))

    assert (result.content_type, result.extension, result.pages) == ("application/pdf", ".pdf", 2)
    assert result.display_name == "Signed permission.pdf"
    assert result.removed == ()
    with pikepdf.open(io.BytesIO(result.content)) as reopened:
        assert len(reopened.pages) == 2


def test_valid_jpeg_is_accepted_and_re_encoded_as_jpeg() -> None:
    result = sanitize("photo.JPEG", VALID_JPEG)

    assert (result.content_type, result.extension, result.pages) == ("image/jpeg", ".jpg", None)
    assert result.display_name == "photo.jpg"
    assert result.removed == ()
    with Image.open(io.BytesIO(result.content)) as reopened:
        assert (reopened.format, reopened.size) == ("JPEG", (40, 20))


def test_valid_png_is_accepted_and_re_encoded_as_png() -> None:
    result = sanitize("scan.png", VALID_PNG)

    assert (result.content_type, result.extension, result.pages) == ("image/png", ".png", None)
    assert result.removed == ()
    with Image.open(io.BytesIO(result.content)) as reopened:
        assert (reopened.format, reopened.size) == ("PNG", (40, 20))


def test_palette_png_with_transparency_is_accepted() -> None:
    palette_png = image_bytes("PNG", mode="P", transparency=0)

    result = sanitize("scan.png", palette_png)

    with Image.open(io.BytesIO(result.content)) as reopened:
        assert reopened.size == (40, 20)


# --- names --------------------------------------------------------------------------------------


def test_directories_are_stripped_from_the_display_name() -> None:
    assert sanitize("../../etc/passwd.pdf", VALID_PDF).display_name == "passwd.pdf"
    assert sanitize("C:\\Users\\jane\\Desktop\\consent.pdf", VALID_PDF).display_name == "consent.pdf"


def test_display_name_is_capped_at_100_characters_with_the_corrected_extension() -> None:
    result = sanitize("a" * 300 + ".JPEG", VALID_JPEG)

    assert len(result.display_name) == 100
    assert result.display_name.endswith("a.jpg")


def test_characters_unsafe_in_headers_are_replaced_in_the_display_name() -> None:
    assert sanitize('my "signed";  form.pdf', VALID_PDF).display_name == "my _signed__ form.pdf"


@pytest.mark.parametrize(
    "name",
    ["permission\x00.pdf", "permission.pdf\x00.html", "line\nbreak.pdf", "tab\t.pdf", "evil\u202egpj.pdf"],
)
def test_nul_and_control_characters_in_the_file_name_are_refused(name: str) -> None:
    refused("bad_name", name, VALID_PDF)


def test_double_extension_that_ends_in_html_is_refused() -> None:
    refused("bad_type", "permission.pdf.html", VALID_PDF)


@pytest.mark.parametrize("name", ["permission.html.pdf", "consent.php.pdf", "scan.SVG.png"])
def test_inner_extension_that_hides_another_type_is_refused(name: str) -> None:
    data = VALID_PNG if name.endswith(".png") else VALID_PDF
    refused("bad_name", name, data)


def test_ordinary_dots_in_a_name_are_allowed() -> None:
    assert sanitize("consent.v2.2024-05-01.pdf", VALID_PDF).display_name == "consent.v2.2024-05-01.pdf"


@pytest.mark.parametrize("name", ["permission.docx", "permission.svg", "permission", "permission.pdf:evil"])
def test_extensions_other_than_pdf_jpg_or_png_are_refused(name: str) -> None:
    refused("bad_type", name, VALID_PDF)


@pytest.mark.parametrize("name", ["", "   ", "uploads/", "..."])
def test_a_missing_file_name_is_refused(name: str) -> None:
    refused("bad_name", name, VALID_PDF)


def test_jpeg_name_with_png_content_is_refused_rather_than_renamed() -> None:
    error = refused("type_mismatch", "photo.jpeg", VALID_PNG)

    assert ".png" in error.message


def test_refusal_messages_never_repeat_the_uploaders_file_name() -> None:
    error = refused("bad_type", "Jane Doe SSN 123-45-6789.pdf.html", VALID_PDF)

    assert "Jane" not in error.message
    assert "6789" not in error.message


# --- content type -------------------------------------------------------------------------------


def test_png_header_followed_by_html_is_refused() -> None:
    polyglot = b"\x89PNG\r\n\x1a\n<html><body><script>alert(document.cookie)</script></body></html>"

    refused("malformed", "scan.png", polyglot)


HTML_PAGE = b"<html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    ("name", "image", "tail"),
    [
        ("scan.png", VALID_PNG, HTML_PAGE),
        ("photo.jpg", VALID_JPEG, HTML_PAGE),
        ("photo.jpg", image_bytes("JPEG", progressive=True), b"PK\x03\x04" + bytes(40)),
        ("scan.png", VALID_PNG, b"\x00"),
    ],
    ids=["png-then-html", "jpeg-then-html", "progressive-jpeg-then-zip", "png-then-one-byte"],
)
def test_a_valid_image_followed_by_other_content_is_refused(name: str, image: bytes, tail: bytes) -> None:
    sanitize(name, image)  # the image alone is accepted
    error = refused("trailing_data", name, image + tail)
    assert "after the end of the" in error.message


def test_a_png_whose_chunks_run_past_the_end_of_the_file_is_refused() -> None:
    refused("malformed", "scan.png", VALID_PNG[:-8])


def test_a_jpeg_followed_by_a_second_complete_jpeg_is_accepted() -> None:
    """Phones append gain and depth maps as further JPEGs (Multi-Picture Format)."""
    output = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(
        output, "MPO", save_all=True, append_images=[Image.new("RGB", (4, 2))]
    )
    assert sanitize("photo.jpg", output.getvalue()).content_type == "image/jpeg"


def test_a_pdf_followed_by_other_content_is_stored_without_it() -> None:
    result = sanitize("permission.pdf", VALID_PDF + HTML_PAGE)

    assert b"<script>" not in result.content
    assert result.content.rstrip().endswith(b"%%EOF")


def test_svg_content_is_refused_even_when_named_png() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'

    refused("bad_type", "scan.png", svg)
    refused("bad_type", "scan.svg", svg)


def test_html_content_named_pdf_is_refused() -> None:
    refused("bad_type", "permission.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>")


def test_zip_content_named_pdf_is_refused() -> None:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("permission.pdf", VALID_PDF)

    refused("bad_type", "permission.pdf", archive.getvalue())


def test_empty_file_is_refused() -> None:
    refused("malformed", "permission.pdf", b"")


def test_truncated_jpeg_is_refused() -> None:
    refused("malformed", "photo.jpg", VALID_JPEG[: len(VALID_JPEG) // 2])


def test_pdf_header_followed_by_garbage_is_refused() -> None:
    refused("malformed", "permission.pdf", b"%PDF-1.7\n" + b"\x00garbage " * 50)


# --- size limits --------------------------------------------------------------------------------


def test_read_capped_stops_soon_after_the_limit_on_a_50_mb_stream() -> None:
    stream = CountingZeroStream(50 * 1024 * 1024)

    with pytest.raises(UploadRejected) as caught:
        read_capped(stream)

    assert caught.value.code == "too_large"
    assert_tells_what_to_send_instead(caught.value.message)
    assert stream.bytes_read <= MAX_UPLOAD_BYTES + CHUNK_ALLOWANCE


def test_sanitize_upload_refuses_a_50_mb_stream_without_reading_all_of_it() -> None:
    stream = CountingZeroStream(50 * 1024 * 1024)

    with pytest.raises(UploadRejected) as caught:
        sanitize_upload(name="permission.pdf", stream=stream)

    assert caught.value.code == "too_large"
    assert "10 MB" in caught.value.message
    assert stream.bytes_read <= MAX_UPLOAD_BYTES + CHUNK_ALLOWANCE


def test_read_capped_returns_a_body_of_exactly_the_limit() -> None:
    assert read_capped(io.BytesIO(b"x" * 1000), max_bytes=1000) == b"x" * 1000
    with pytest.raises(UploadRejected):
        read_capped(io.BytesIO(b"x" * 1001), max_bytes=1000)


def test_decompression_bomb_png_is_refused() -> None:
    bomb = png_bomb()
    assert len(bomb) < 1024 * 1024

    refused("image_too_large", "scan.png", bomb)


def test_image_between_the_limit_and_twice_the_limit_is_refused() -> None:
    # Pillow only warns below twice its limit; the sanitiser must treat that warning as a refusal too.
    refused("image_too_large", "scan.png", image_bytes("PNG", size=(150, 100)), max_image_pixels=10_000)


def test_pillow_pixel_limit_and_warning_filters_are_left_as_they_were() -> None:
    limit_before = Image.MAX_IMAGE_PIXELS
    filters_before = list(warnings.filters)

    sanitize("scan.png", VALID_PNG, max_image_pixels=1_000)
    with pytest.raises(UploadRejected):
        sanitize("scan.png", png_bomb(5_000, 5_000), max_image_pixels=1_000)

    assert Image.MAX_IMAGE_PIXELS == limit_before
    assert warnings.filters == filters_before


def test_pdf_with_more_pages_than_allowed_is_refused() -> None:
    refused("too_many_pages", "permission.pdf", pdf_bytes(blank_pdf(pages=MAX_PDF_PAGES + 1)))
    refused("too_many_pages", "permission.pdf", pdf_bytes(blank_pdf(pages=3)), max_pdf_pages=2)


# --- image metadata -----------------------------------------------------------------------------


def test_jpeg_with_exif_gps_data_is_re_encoded_without_any_metadata() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    photo = image_bytes("JPEG", exif=exif.tobytes(), xmp=b"<x:xmpmeta>Jane Doe</x:xmpmeta>", comment=b"hi")

    result = sanitize("photo.jpg", photo)

    assert {"EXIF metadata", "XMP metadata", "text comments"} <= set(result.removed)
    assert b"Exif" not in result.content
    assert b"Jane Doe" not in result.content
    assert b"PhoneMaker" not in result.content
    with Image.open(io.BytesIO(result.content)) as reopened:
        assert len(reopened.getexif()) == 0
        assert not set(reopened.info) & {"exif", "xmp", "comment", "icc_profile"}


def test_exif_orientation_is_applied_before_the_metadata_is_dropped() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # rotate 90° clockwise to display
    photo = image_bytes("JPEG", size=(40, 20), exif=exif.tobytes())

    result = sanitize("photo.jpg", photo)

    with Image.open(io.BytesIO(result.content)) as reopened:
        assert reopened.size == (20, 40)
        assert len(reopened.getexif()) == 0


def test_png_text_icc_and_exif_chunks_are_removed() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Jane Doe")
    text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>Jane Doe</x:xmpmeta>")
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (52.0, 31.0, 12.0)}
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    scan = image_bytes("PNG", pnginfo=text, icc_profile=icc, exif=exif.tobytes())

    result = sanitize("scan.png", scan)

    assert {"EXIF metadata", "XMP metadata", "ICC colour profile", "text comments"} <= set(result.removed)
    for chunk_type in (b"tEXt", b"iTXt", b"zTXt", b"iCCP", b"eXIf"):
        assert chunk_type not in result.content
    assert b"Jane Doe" not in result.content


# --- PDFs ---------------------------------------------------------------------------------------


def test_pdf_with_javascript_and_open_action_is_stripped_but_keeps_its_pages() -> None:
    pdf = blank_pdf(pages=2)
    script = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Action, S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")
        )
    )
    script_stream = pdf.make_stream(b"app.alert(2)")
    pdf.Root.OpenAction = script
    pdf.Root.AA = pikepdf.Dictionary(WC=script)
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("init"), script]))
    )
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=pdf.make_stream(b"<xdp/>"))
    pdf.pages[0].obj.AA = pikepdf.Dictionary(
        O=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=script_stream)
    )
    pdf.Root.Outlines = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    bookmark = pdf.make_indirect(
        pikepdf.Dictionary(
            Title=pikepdf.String("Start"),
            Parent=pdf.Root.Outlines,
            A=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(3)")),
        )
    )
    pdf.Root.Outlines.First = pdf.Root.Outlines.Last = bookmark
    pdf.Root.Outlines.Count = 1

    result = sanitize("permission.pdf", pdf_bytes(pdf))

    assert {"OpenAction", "JavaScript", "document actions", "page actions", "interactive forms"} <= set(
        result.removed
    )
    assert b"app.alert" not in result.content
    with pikepdf.open(io.BytesIO(result.content)) as cleaned:
        assert len(cleaned.pages) == 2
        assert "/OpenAction" not in cleaned.Root
        assert "/AcroForm" not in cleaned.Root
        for obj in all_dictionaries(cleaned):
            assert not {"/JS", "/JavaScript", "/EmbeddedFiles", "/AA", "/XFA"} & set(obj.keys())
        assert "/JavaScript" not in action_types(cleaned)


def test_pdf_with_embedded_file_and_launch_link_is_stripped() -> None:
    pdf = blank_pdf()
    attachment = pikepdf.AttachedFileSpec(
        pdf, b"MZ-not-really-an-executable", mime_type="application/x-msdownload"
    )
    pdf.attachments["invoice.exe"] = attachment
    launch_link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=pikepdf.Array([0, 0, 100, 100]),
        A=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe")),
    )
    file_annotation = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.FileAttachment,
        Rect=pikepdf.Array([100, 100, 120, 120]),
        FS=attachment.obj,
    )
    note = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Text,
        Rect=pikepdf.Array([150, 150, 170, 170]),
        Contents=pikepdf.String("signed"),
        AA=pikepdf.Dictionary(
            E=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://evil.test"))
        ),
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([launch_link, file_annotation, note]))

    result = sanitize("permission.pdf", pdf_bytes(pdf))

    assert {"embedded files", "external links and launch actions", "annotation actions"} <= set(
        result.removed
    )
    assert b"MZ-not-really" not in result.content
    assert b"cmd.exe" not in result.content
    assert b"evil.test" not in result.content
    with pikepdf.open(io.BytesIO(result.content)) as cleaned:
        assert len(cleaned.pages) == 1
        assert "/Names" not in cleaned.Root or "/EmbeddedFiles" not in cleaned.Root.Names
        assert len(cleaned.attachments) == 0
        annotations = list(cleaned.pages[0].obj.Annots)
        assert [str(annotation.Subtype) for annotation in annotations] == ["/Text"]
        assert not {"/Launch", "/URI"} & action_types(cleaned)
        for obj in all_dictionaries(cleaned):
            assert "/EF" not in obj
            assert obj.get("/Type") != pikepdf.Name.EmbeddedFile


def test_pdf_document_information_and_xmp_metadata_are_removed() -> None:
    pdf = blank_pdf()
    pdf.docinfo["/Author"] = "Jane Doe"
    with pdf.open_metadata(set_pikepdf_as_editor=False) as metadata:
        metadata["dc:creator"] = ["Jane Doe"]

    result = sanitize("permission.pdf", pdf_bytes(pdf))

    assert {"document information", "XMP metadata"} <= set(result.removed)
    assert b"Jane Doe" not in result.content
    with pikepdf.open(io.BytesIO(result.content)) as cleaned:
        assert "/Info" not in cleaned.trailer
        assert "/Metadata" not in cleaned.Root


@pytest.mark.parametrize(
    "encryption",
    [pikepdf.Encryption(owner="x", user=""), pikepdf.Encryption(owner="x", user="secret")],
    ids=["owner-password-only", "user-password"],
)
def test_encrypted_pdf_is_refused(encryption: pikepdf.Encryption) -> None:
    error = refused("encrypted_pdf", "permission.pdf", pdf_bytes(blank_pdf(), encryption=encryption))

    assert "unprotected PDF" in error.message


# --- virus scan ---------------------------------------------------------------------------------


def test_clean_scan_result_accepts_the_upload_and_the_scanner_sees_the_sanitised_bytes() -> None:
    with fake_clamd(b"stream: OK\0") as (address, received):
        result = sanitize("photo.jpg", VALID_JPEG, clamd=address)

    assert received["command"] == b"zINSTREAM\0"
    assert received["body"] == result.content


def test_infected_scan_result_refuses_the_upload() -> None:
    with fake_clamd(b"stream: Eicar-Test-Signature FOUND\0") as (address, _):
        refused("infected", "photo.jpg", VALID_JPEG, clamd=address)


def test_unexpected_scanner_reply_is_treated_as_scan_unavailable() -> None:
    with fake_clamd(b"INSTREAM size limit exceeded. ERROR\0") as (address, _):
        refused("scan_unavailable", "photo.jpg", VALID_JPEG, clamd=address)


def test_unreachable_scanner_refuses_with_try_again_later() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))  # bound but not listening: connections are refused
        error = refused("scan_unavailable", "photo.jpg", VALID_JPEG, clamd=unused.getsockname()[:2])

    assert "again" in error.message


# --- fuzzing ------------------------------------------------------------------------------------

FUZZ_SETTINGS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


@FUZZ_SETTINGS
@given(
    prefix=st.sampled_from([b"", b"%PDF-1.7\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0"]),
    body=st.binary(max_size=4096),
    extension=st.sampled_from([".pdf", ".png", ".jpg"]),
)
def test_random_bytes_never_raise_anything_but_upload_rejected(
    prefix: bytes, body: bytes, extension: str
) -> None:
    try:
        sanitize("upload" + extension, prefix + body)
    except UploadRejected as error:
        assert_tells_what_to_send_instead(error.message)


@FUZZ_SETTINGS
@given(data=st.data())
def test_corrupted_valid_files_never_raise_anything_but_upload_rejected(data: st.DataObject) -> None:
    name, sample = data.draw(
        st.sampled_from([("a.pdf", VALID_PDF), ("a.png", VALID_PNG), ("a.jpg", VALID_JPEG)])
    )
    corrupted = bytearray(sample[: data.draw(st.integers(len(sample) // 4, len(sample)))])
    for position, value in data.draw(
        st.lists(st.tuples(st.integers(0, len(corrupted) - 1), st.integers(0, 255)))
    ):
        corrupted[position] = value
    try:
        sanitize(name, bytes(corrupted))
    except UploadRejected as error:
        assert_tells_what_to_send_instead(error.message)
