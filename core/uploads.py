"""Uploaded documents (photos, scans, PDFs): recognised by their first bytes, never by the name sent."""

from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

# What a phone's camera and a scanner produce.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


def upload_content_type(*, file, max_bytes: int, field: str) -> str:
    """The content type of an upload, or DomainError (on `field`) when it is too large or of another type."""
    if file.size > max_bytes:
        raise DomainError(_("%(name)s is larger than %(size)s MB."),
                          params={"name": file.name, "size": max_bytes // (1024 * 1024)}, code="file_too_large",
                          field=field)
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    raise DomainError(_("%(name)s is not a JPEG, PNG or PDF file."), params={"name": file.name}, code="file_type",
                      field=field)


def private_file_response(*, file, content_type: str, filename: str) -> FileResponse:
    """An uploaded file served inline to someone allowed to see it, never kept by a browser or proxy cache.
    The caller checks who may see it and audits the look first."""
    response = FileResponse(file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
