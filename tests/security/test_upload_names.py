"""Finding: a visit document kept the client's extension on disk (a JPEG-looking polyglot sent as .html
was stored as <random>.html). The extension now comes from the type detected in the content."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.visits.conftest import MORNING, assigned_visit, case  # noqa: F401 - a case with an address
from visits.models import VisitDocument
from visits.services import visit_check_in, visit_complete

pytestmark = pytest.mark.django_db
POLYGLOT = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00<html><script>alert(document.cookie)</script></html>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n<html><body onload=alert(1)>"


@pytest.fixture
def visit(case, field_agent, settings, tmp_path, time_machine):  # noqa: F811
    time_machine.move_to(MORNING, tick=False)
    settings.MEDIA_ROOT = tmp_path
    return visit_check_in(visit=assigned_visit(case, field_agent), actor=field_agent)


@pytest.mark.parametrize("name, content, extension", [
    ("door.html", POLYGLOT, ".jpg"),
    ("door.jpg.html", POLYGLOT, ".jpg"),
    ("shell.php", PNG, ".png"),
    ("letter.svg", PDF, ".pdf"),
    ("no-extension", POLYGLOT, ".jpg"),
    ("UPPER.JPEG", POLYGLOT, ".jpg"),
])
def test_a_document_is_stored_under_the_extension_of_its_detected_type(visit, field_agent, tmp_path, name, content,
                                                                       extension):
    visit_complete(visit=visit, actor=field_agent, report={"outcome": "not_at_home"},
                   documents=[SimpleUploadedFile(name, content)])

    document = VisitDocument.objects.get()
    stored = tmp_path / document.file.name
    assert stored.suffix == extension and stored.exists()
    assert stored.read_bytes() == content
    assert [path.suffix for path in tmp_path.rglob("*") if path.is_file()] == [extension]


def test_a_signed_agreement_is_stored_under_the_extension_of_its_detected_type(agent, supervisor, settings,
                                                                              tmp_path):
    from repayment_plans.plans import plan_accept_with_signed_copy
    from tests.repayment_plans.helpers import contact_case, propose

    settings.MEDIA_ROOT = tmp_path
    plan = propose(contact_case(agent), agent, count=3)
    plan = plan_accept_with_signed_copy(plan=plan, upload=SimpleUploadedFile("agreement.html", POLYGLOT),
                                        actor=agent)
    assert plan.signed_copy.name.endswith(".jpg") and ".html" not in plan.signed_copy.name
