"""Photos and documents from a visit: checked by content and size, stored with Django's storage.

Files live under MEDIA_ROOT/visits/ with random names and are served only through the visit's own
view (`visits.views.document_download`), to those who may see the visit.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from visits.models import DocumentKind, Visit, VisitDocument

# What the phone's camera and a scanner produce, recognised by the first bytes, not by the name.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", DocumentKind.PHOTO),
    (b"\x89PNG\r\n\x1a\n", "image/png", DocumentKind.PHOTO),
    (b"%PDF-", "application/pdf", DocumentKind.DOCUMENT),
)


def visit_document_check(*, file) -> tuple[str, str]:
    """The (content type, kind) of an upload, or DomainError when it is too large or of another type."""
    limit = settings.VISITS_MAX_UPLOAD_BYTES
    if file.size > limit:
        raise DomainError(_("%(name)s is larger than %(size)s MB."),
                          params={"name": file.name, "size": limit // (1024 * 1024)}, code="file_too_large",
                          field="documents")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for signature, content_type, kind in SIGNATURES:
        if head.startswith(signature):
            return content_type, kind
    raise DomainError(_("%(name)s is not a JPEG, PNG or PDF file."), params={"name": file.name}, code="file_type",
                      field="documents")


def visit_documents_check(*, files) -> list[tuple]:
    return [(file, *visit_document_check(file=file)) for file in files]


def visit_documents_save(*, visit: Visit, files, actor, at) -> list[VisitDocument]:
    """Check every file first, then store them: one bad file stores none."""
    checked = visit_documents_check(files=files)
    return [VisitDocument.objects.create(visit=visit, kind=kind, file=file, content_type=content_type,
                                         size=file.size, uploaded_by=actor, uploaded_by_label=actor.get_username(),
                                         created_at=at)
            for file, content_type, kind in checked]
