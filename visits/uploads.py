"""Photos and documents from a visit: checked by content and size, stored with Django's storage.

Files live under MEDIA_ROOT/visits/ with random names and are served only through the visit's own
view (`visits.views.document_download`), to those who may see the visit.
"""

from django.conf import settings

from core.uploads import upload_content_type
from visits.models import DocumentKind, Visit, VisitDocument

KINDS = {"image/jpeg": DocumentKind.PHOTO, "image/png": DocumentKind.PHOTO, "application/pdf": DocumentKind.DOCUMENT}


def visit_document_check(*, file) -> tuple[str, str]:
    """The (content type, kind) of an upload, or DomainError when it is too large or of another type."""
    content_type = upload_content_type(file=file, max_bytes=settings.VISITS_MAX_UPLOAD_BYTES, field="documents")
    return content_type, KINDS[content_type]


def visit_documents_check(*, files) -> list[tuple]:
    return [(file, *visit_document_check(file=file)) for file in files]


def visit_documents_save(*, visit: Visit, files, actor, at) -> list[VisitDocument]:
    """Check every file first, then store them: one bad file stores none."""
    checked = visit_documents_check(files=files)
    return [VisitDocument.objects.create(visit=visit, kind=kind, file=file, content_type=content_type,
                                         size=file.size, uploaded_by=actor, uploaded_by_label=actor.get_username(),
                                         created_at=at)
            for file, content_type, kind in checked]
