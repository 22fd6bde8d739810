"""The template set pages: a manager uploads a version (typed or as a file), puts it in force and withdraws it;
a bad text is refused beside its box, and what was typed stays."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import TemplateSet
from audit.models import AuditRecord

SMS_ZH = "【{{ agency }}】{{ name }}您好，欠款{{ amount }}。"
SMS_EN = "[{{ agency }}] Dear {{ name }}, you owe {{ amount }}."


def test_a_manager_types_a_version_and_puts_it_in_force(client, agency, manager):
    client.force_login(manager)
    url = reverse("agencies:template-sets", args=[agency.pk])
    response = client.post(url, {"sms_zh_hans": SMS_ZH, "sms_en": SMS_EN, "note": "first texts"})
    assert response.status_code == 302
    version = TemplateSet.objects.get(agency=agency)
    assert version.texts == {"sms": {"zh-hans": SMS_ZH, "en": SMS_EN}} and not version.active
    response = client.post(reverse("agencies:template-set-publish", args=[agency.pk, 1]))
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.active and version.published_by == manager
    page = client.get(url).content.decode()
    assert "v1" in page and "SMS" in page
    assert AuditRecord.objects.filter(action="template_set.published", actor=manager).exists()


def test_an_unknown_placeholder_is_refused_beside_its_box_and_the_text_stays(client, agency, manager):
    client.force_login(manager)
    response = client.post(reverse("agencies:template-sets", args=[agency.pk]),
                           {"sms_zh_hans": "您好 {{ national_id }}", "sms_en": SMS_EN})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_sms_zh_hans_error"' in page and "national_id" in page.split('id="id_sms_zh_hans_error"')[1][:300]
    assert "[{{ agency }}] Dear {{ name }}" in page  # what was typed in the other box is kept
    assert not TemplateSet.objects.exists()


def test_a_manager_uploads_a_json_file(client, agency, manager):
    client.force_login(manager)
    body = json.dumps({"sms": {"zh-hans": SMS_ZH, "en": SMS_EN}}, ensure_ascii=False).encode()
    response = client.post(reverse("agencies:template-sets", args=[agency.pk]),
                           {"file": SimpleUploadedFile("set.json", body, content_type="application/json")})
    assert response.status_code == 302
    assert TemplateSet.objects.get(agency=agency).texts["sms"]["zh-hans"] == SMS_ZH


def test_a_bad_file_is_refused_beside_the_file_field(client, agency, manager):
    client.force_login(manager)
    body = json.dumps({"letter": {"zh-hans": "{% include 'x' %}", "en": "Dear"}}).encode()
    response = client.post(reverse("agencies:template-sets", args=[agency.pk]),
                           {"file": SimpleUploadedFile("set.json", body)})
    assert response.status_code == 400
    assert 'id="id_file_error"' in response.content.decode()
    assert not TemplateSet.objects.exists()


def test_withdrawing_needs_a_reason(client, agency, manager):
    client.force_login(manager)
    client.post(reverse("agencies:template-sets", args=[agency.pk]), {"sms_zh_hans": SMS_ZH, "sms_en": SMS_EN})
    client.post(reverse("agencies:template-set-publish", args=[agency.pk, 1]))
    response = client.post(reverse("agencies:template-set-withdraw", args=[agency.pk]), {"reason": "no"})
    assert response.status_code == 400 and 'id="id_reason_error"' in response.content.decode()
    assert TemplateSet.objects.get(agency=agency).active
    response = client.post(reverse("agencies:template-set-withdraw", args=[agency.pk]),
                           {"reason": "The contract's texts are under review"})
    assert response.status_code == 302 and not TemplateSet.objects.get(agency=agency).active


def test_a_supervisor_reads_the_versions_but_cannot_upload(client, agency, supervisor):
    client.force_login(supervisor)
    url = reverse("agencies:template-sets", args=[agency.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"sms_zh_hans": SMS_ZH, "sms_en": SMS_EN}).status_code == 403
