"""Uploads that cannot hurt (issue 13, findings 3 to 5): a body over the limit is refused before it
is read; a PDF is read in a child process with limits; a PDF with active content is refused."""

import hashlib
import io
import resource
import socket
import struct
import time
import zlib
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

from config.middleware import RequestBodyLimitMiddleware
from recounts.forms import RequestFileForm, RequestRecordForm
from recounts.services.cases import RecountError
from recounts.services.requests import letter_check
from tests.factories import make_pdf_bytes, make_superintendent_staff
from tests.test_error_pages import text_of

MB = 1_048_576

# -- A body over the limit --------------------------------------------------------------------------


class CountingStream:
    """A request body of `size` bytes that counts how many of them the server reads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        left = self.size - self.read_bytes
        chunk = left if size is None or size < 0 else min(size, left)
        self.read_bytes += chunk
        return b"x" * chunk

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def wsgi_post(path: str, body: CountingStream, *, content_length: int | None) -> WSGIRequest:
    environ = RequestFactory()._base_environ(
        PATH_INFO=path, REQUEST_METHOD="POST", CONTENT_TYPE="multipart/form-data; boundary=edge"
    )
    environ["wsgi.input"] = body
    environ.pop("CONTENT_LENGTH", None)
    if content_length is not None:
        environ["CONTENT_LENGTH"] = str(content_length)
    return WSGIRequest(environ)


def reading_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"{len(request.read())} bytes")


def test_a_body_over_the_limit_is_refused_without_a_byte_read():
    body = CountingStream(200 * MB)
    request = wsgi_post(reverse("recounts:file", args=[1]), body, content_length=200 * MB)

    response = RequestBodyLimitMiddleware(reading_view)(request)

    assert (response.status_code, body.read_bytes) == (413, 0)
    assert "This page takes at most 11 MB at a time, the file and the form together." in response.text


def test_the_import_page_takes_the_returns_limit_and_no_more(settings):
    settings.RETURNS_UPLOAD_MAX_BYTES = 5 * MB
    within = CountingStream(6 * MB)
    beyond = CountingStream(6 * MB + 1)
    path = reverse("recounts:returns_import")

    answers = [
        RequestBodyLimitMiddleware(reading_view)(wsgi_post(path, body, content_length=body.size))
        for body in (within, beyond)
    ]

    assert [(answer.status_code, body.read_bytes) for answer, body in zip(answers, (within, beyond), strict=True)] == [
        (200, 6 * MB),
        (413, 0),
    ]
    assert "at most 6 MB at a time" in answers[1].text


def test_a_body_without_a_length_is_not_read_at_all():
    body = CountingStream(200 * MB)
    request = wsgi_post(reverse("recounts:file", args=[1]), body, content_length=None)

    response = RequestBodyLimitMiddleware(reading_view)(request)

    assert (response.status_code, response.text, body.read_bytes) == (200, "0 bytes", 0)


def test_the_server_answers_413_before_the_body_is_sent(live_server):
    """A client announces 200 MB and sends 64 KB: the refusal arrives while it still has 199.9 MB to send."""
    address = urlsplit(live_server.url)
    sent = 0
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        head = (
            f"POST {reverse('recounts:file', args=[1])} HTTP/1.1\r\nHost: {address.netloc}\r\n"
            f"Content-Type: multipart/form-data; boundary=edge\r\nContent-Length: {200 * MB}\r\n\r\n"
        ).encode()
        connection.sendall(head + b"x" * 65_536)
        sent += len(head) + 65_536
        started = time.monotonic()
        answer = b""
        while b"</html>" not in answer and time.monotonic() - started < 10:
            chunk = connection.recv(65_536)
            if not chunk:
                break
            answer += chunk

    assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 413 Content Too Large"
    assert b"This page takes at most 11 MB at a time" in answer
    assert sent < MB


def test_the_refusal_is_a_page_of_the_site_that_states_the_limit(db, settings):
    settings.RETURNS_UPLOAD_MAX_BYTES = 5 * MB
    client = Client()
    client.force_login(make_superintendent_staff(username="fulton-clerk", county_name="Fulton"))

    response = client.post(
        reverse("recounts:returns_import"), b"x", content_type="application/zip", CONTENT_LENGTH=str(200 * MB)
    )

    assert response.status_code == 413
    assert ('class="navbar-brand"' in response.text, "Signed in as" in text_of(response)) == (True, True)
    assert (
        "The upload is too large This page takes at most 6 MB at a time, the file and the form together. "
        "Nothing was received or saved. Go back and choose a smaller file."
    ) in text_of(response)


# -- The limit is stated on each form -----------------------------------------------------------------


def test_each_letter_form_states_the_limit(db, settings):
    settings.LETTER_MAX_BYTES = 5 * MB
    filing = RequestFileForm()
    recording = RequestRecordForm(candidates=None, now=None)

    assert [filing.fields["letter"].help_text, recording.fields["scan"].help_text] == [
        "Optional: a signed letter, PDF only, at most 5 MB.",
        "PDF only, at most 5 MB.",
    ]


# -- A decompression bomb -----------------------------------------------------------------------------


def decompression_bomb(*, streams: int = 4, megabytes: int = 70) -> bytes:
    """A PDF of about 300 KB whose catalog, page tree and pages each sit in their own object stream,
    padded so that each stream inflates to `megabytes` (about 280 MB in all). Compressed a megabyte
    at a time, so that making it costs this process little memory."""
    pages = streams - 2
    kids = b" ".join(b"%d 0 R" % (3 + page) for page in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages)]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"] * pages
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, len(objects) + 1 + index, 0) for index in range(len(objects))]
    for number, written in enumerate(objects, start=1):
        header = b"%d 0 " % number
        deflate = zlib.compressobj(9)
        compressed = deflate.compress(header + written)
        for _ in range(megabytes):
            compressed += deflate.compress(b" " * MB)
        compressed += deflate.flush()
        rows.append(struct.pack(">BIH", 1, out.tell(), 0))
        out.write(
            b"%d 0 obj\n<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (len(objects) + number, len(header), len(compressed))
            + compressed
            + b"\nendstream\nendobj\n"
        )
    size = 2 * len(objects) + 2
    xref_at = out.tell()
    rows.append(struct.pack(">BIH", 1, xref_at, 0))
    table = b"".join(rows)
    out.write(
        b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % (size - 1, size, len(table))
        + table
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    return out.getvalue()


def test_a_decompression_bomb_is_refused_within_2_seconds_and_100_mb():
    bomb = decompression_bomb()
    upload = SimpleUploadedFile("letter.pdf", bomb, content_type="application/pdf")
    memory_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    started = time.monotonic()

    with pytest.raises(RecountError) as refusal:
        letter_check(upload)

    elapsed = time.monotonic() - started
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory_before) / 1024
    assert len(bomb) < 400_000
    assert str(refusal.value) == (
        "The signed letter takes too long to read to be checked. Make a plain copy: open it in your PDF viewer, "
        "choose Print and then “Save as PDF” (or “Print to PDF”), and upload that copy; or scan it again."
    )
    assert elapsed < 2
    assert grown_mb < 100


# -- Active content -----------------------------------------------------------------------------------


def _action(kind: str, **entries: object) -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject(kind), **{NameObject(k): v for k, v in entries.items()}})


def hostile_pdf(*, open_action: str = "", attachment: bool = False, annotation: str = "") -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    if open_action == "javascript":
        writer._root_object[NameObject("/OpenAction")] = _action(
            "/JavaScript", **{"/JS": TextStringObject("app.alert(1)")}
        )
    if open_action == "launch":
        writer._root_object[NameObject("/OpenAction")] = _action("/Launch", **{"/F": TextStringObject("calc.exe")})
    if attachment:
        writer.add_attachment("invoice.exe", b"MZ\x90\x00")
    if annotation:
        rect = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(100), FloatObject(100)])
        fields = {NameObject("/Type"): NameObject("/Annot"), NameObject("/Rect"): rect}
        if annotation == "file":
            fields[NameObject("/Subtype")] = NameObject("/FileAttachment")
        else:
            fields[NameObject("/Subtype")] = NameObject("/Link")
            fields[NameObject("/A")] = _action("/JavaScript", **{"/JS": TextStringObject("this.exportDataObject()")})
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(DictionaryObject(fields))])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PLAIN_COPY = (
    "which the desk does not accept. Make a plain copy: open it in your PDF viewer, choose Print and then "
    "“Save as PDF” (or “Print to PDF”), and upload that copy."
)


@pytest.mark.parametrize(
    ("content", "found"),
    [
        pytest.param(hostile_pdf(open_action="javascript"), "JavaScript", id="open-action-javascript"),
        pytest.param(hostile_pdf(open_action="launch"), "an action that starts another program", id="launch"),
        pytest.param(hostile_pdf(attachment=True), "attached files", id="embedded-file"),
        pytest.param(hostile_pdf(annotation="file"), "attached files", id="file-attachment-annotation"),
        pytest.param(hostile_pdf(annotation="link"), "JavaScript", id="link-running-javascript"),
        pytest.param(
            hostile_pdf(open_action="javascript", attachment=True), "JavaScript and attached files", id="both"
        ),
    ],
)
def test_a_pdf_with_active_content_is_refused_with_how_to_make_a_plain_one(content, found):
    with pytest.raises(RecountError) as refusal:
        letter_check(SimpleUploadedFile("letter.pdf", content, content_type="application/pdf"), what="The scan")

    assert str(refusal.value) == f"The scan contains {found}, {PLAIN_COPY}"


def test_a_plain_pdf_is_accepted_and_hashed_as_uploaded():
    content = make_pdf_bytes(pages=3)

    letter = letter_check(SimpleUploadedFile("letter.pdf", content, content_type="application/pdf"))

    assert (letter.name, letter.sha256, letter.file.read()) == (
        "letter.pdf",
        hashlib.sha256(content).hexdigest(),
        content,
    )
