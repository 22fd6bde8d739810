import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditRecord
from core.errors import DomainError
from tests.visits.conftest import assigned_visit
from visits.models import VisitDocument
from visits.services import visit_check_in, visit_complete

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100
PDF = b"%PDF-1.7\n" + b"0" * 100


@pytest.fixture
def visit(case, field_agent, morning, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    visit = assigned_visit(case, field_agent)
    return visit_check_in(visit=visit, actor=field_agent)


def complete(visit, agent, *files):
    return visit_complete(visit=visit, actor=agent, report={"outcome": "not_at_home"}, documents=list(files))


def test_a_file_of_another_type_is_refused_whatever_its_name(visit, field_agent):
    with pytest.raises(DomainError) as refused:
        complete(visit, field_agent, SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image"))
    assert refused.value.code == "file_type"
    assert not VisitDocument.objects.exists()


def test_a_file_too_large_is_refused(visit, field_agent, settings):
    settings.VISITS_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(DomainError) as refused:
        complete(visit, field_agent, SimpleUploadedFile("door.jpg", JPEG + b"\x00" * 2000))
    assert refused.value.code == "file_too_large"


def test_photos_and_documents_are_stored_privately_under_random_names(visit, field_agent, tmp_path):
    complete(visit, field_agent, SimpleUploadedFile("王芳-door.jpg", JPEG), SimpleUploadedFile("letter.pdf", PDF))
    kinds = dict(VisitDocument.objects.values_list("kind", "content_type"))
    assert kinds == {"photo": "image/jpeg", "document": "application/pdf"}
    for document in VisitDocument.objects.all():
        assert "王芳" not in document.file.name
        assert (tmp_path / document.file.name).exists()


def test_documents_are_served_only_to_those_who_see_the_visit(client, visit, field_agent, other_field_agent):
    complete(visit, field_agent, SimpleUploadedFile("door.jpg", JPEG))
    url = reverse("visits:document", args=[visit.pk, VisitDocument.objects.get().pk])
    client.force_login(other_field_agent)
    assert client.get(url).status_code == 404
    client.force_login(field_agent)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == JPEG
    assert AuditRecord.objects.filter(action="visit.document_viewed").count() == 1
