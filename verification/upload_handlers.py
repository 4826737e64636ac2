"""Keep each uploaded file's name as the client sent it, for the checks in verification/uploads.py.

Django's multipart parser drops non-printable characters (NUL, line breaks, bidi controls) from a file
name before any upload handler or form sees it (MultiPartParser.sanitize_file_name), so "scan.html\\0.pdf"
arrives as "scan.html.pdf" and a name made only of such characters makes the file vanish. Listed first
in FILE_UPLOAD_HANDLERS, RawFileNameUploadHandler parses the body itself (the documented
handle_raw_input hook) with a parser that records the name before it is cleaned; the other handlers
still store the data. Forms pass `upload_raw_name(upload)` to the sanitiser.
"""

from __future__ import annotations

import html

from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParser

# Given to Django's handlers instead of a name that cleaning would empty, so that the file still
# arrives and the check on its raw name refuses it with a message (rather than "no file received").
_PLACEHOLDER_NAME = "unnamed"


class _RawNameParser(MultiPartParser):
    _raw_name: str | None = None

    def sanitize_file_name(self, file_name):
        self._raw_name = html.unescape(file_name)  # what Django cleans, before it is cleaned
        cleaned = super().sanitize_file_name(file_name)
        if cleaned is None and any(not char.isprintable() for char in self._raw_name):
            return _PLACEHOLDER_NAME
        return cleaned

    def handle_file_complete(self, old_field_name, counters):
        files = self._files.getlist(old_field_name)
        before = len(files)
        super().handle_file_complete(old_field_name, counters)
        files = self._files.getlist(old_field_name)
        if len(files) > before:
            files[-1].raw_name = self._raw_name


class RawFileNameUploadHandler(FileUploadHandler):
    """Parses the body with _RawNameParser and the request's other upload handlers."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        others = [handler for handler in self.request.upload_handlers if handler is not self]
        return _RawNameParser(META, input_data, others, encoding).parse()

    def receive_data_chunk(self, raw_data, start):  # never called: handle_raw_input parsed the body
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_raw_name(upload) -> str:
    """The name the client sent (HTML entities decoded, as Django does), else Django's cleaned name."""
    return getattr(upload, "raw_name", None) or upload.name
