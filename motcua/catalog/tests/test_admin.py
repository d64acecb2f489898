"""Catalog admin: read-only versions, status actions, import with preview, publish page."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from motcua.catalog.models import Procedure, ProcedureStatus, ProcedureVersion
from motcua.catalog.services import import_catalog
from motcua.catalog.tests.test_import import as_file, sample
from motcua.common.models import AuditEntry

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:catalog_procedure_changelist"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def catalog():
    mismatched = sample("1.000002", name="Cấp phiếu lý lịch tư pháp", field="Tư pháp",
                        processing_time={"working_days": 10})  # fmt: skip
    import_catalog(as_file(sample("1.000001"), mismatched))
    return {p.code: p for p in Procedure.objects.all()}


def test_changelist_lists_versions_and_step_warnings(admin_client, catalog):
    response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Đăng ký khai sinh" in page and "Cấp phiếu lý lịch tư pháp" in page
    assert reverse("admin:catalog_procedure_import") in page
    results = response.context["cl"].result_list
    admin_ = response.context["cl"].model_admin
    assert {p.code: admin_.steps_ok(p) for p in results} == {"1.000001": True, "1.000002": False}
    assert {p.code: admin_.version_number(p) for p in results} == {"1.000001": 1, "1.000002": 1}


def test_search_works_without_diacritics_and_by_code(admin_client, catalog):
    url = reverse(CHANGELIST)
    found = admin_client.get(url, {"q": "ly lich tu phap"}).context["cl"].result_list
    assert [p.code for p in found] == ["1.000002"]
    found = admin_client.get(url, {"q": "1.000001"}).context["cl"].result_list
    assert [p.code for p in found] == ["1.000001"]


def test_change_page_is_read_only_with_versions_and_audit(admin_client, catalog):
    procedure = catalog["1.000002"]
    response = admin_client.get(reverse("admin:catalog_procedure_change", args=[procedure.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="_save"' not in page
    assert "Công bố phiên bản 1 của thủ tục 1.000002" in page  # audit trail
    assert (
        reverse("admin:catalog_procedureversion_change", args=[procedure.current_version_id])
        in page
    )
    assert "Tổng thời gian các bước 8 giờ, thời hạn 80 giờ làm việc." in page
    assert reverse("admin:catalog_procedure_publish", args=[procedure.pk]) in page
    # Posting a change anyway alters nothing.
    admin_client.post(reverse("admin:catalog_procedure_change", args=[procedure.pk]),
                      {"status": "abolished", "name": "x"})  # fmt: skip
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.ACTIVE and procedure.name != "x"


def test_version_page_shows_content_read_only(admin_client, catalog):
    version = catalog["1.000002"].current_version
    url = reverse("admin:catalog_procedureversion_change", args=[version.pk])
    response = admin_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200 and 'name="_save"' not in page
    assert "Tờ khai đăng ký khai sinh" in page and "Ký giấy khai sinh" in page
    assert "Lệ phí đăng ký khai sinh" in page and "Luật Hộ tịch số 60/2014/QH13" in page
    assert "Tổng thời gian các bước 8 giờ" in page
    admin_client.post(url, {"name": "Sửa trộm"})
    version.refresh_from_db()
    assert version.name == "Cấp phiếu lý lịch tư pháp"
    assert admin_client.get(reverse("admin:catalog_procedureversion_add")).status_code == 403


def _action(client, action, procedures, **extra):
    data = {"action": action, "_selected_action": [p.pk for p in procedures], **extra}
    return client.post(reverse(CHANGELIST), data)


def test_suspend_action_asks_for_a_reason_then_suspends(admin_client, catalog):
    procedure = catalog["1.000001"]
    response = _action(admin_client, "suspend_selected", [procedure])
    assert response.status_code == 200 and "Lý do tạm ngừng" in response.content.decode()
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.ACTIVE
    response = _action(admin_client, "suspend_selected", [procedure], apply="1", reason="Rà soát")
    assert response.status_code == 302
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.SUSPENDED
    assert AuditEntry.objects.get(action="catalog.suspend").data["reason"] == "Rà soát"
    _action(admin_client, "reactivate_selected", [procedure])
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.ACTIVE


def test_abolish_action_needs_date_and_decision(admin_client, catalog):
    procedures = list(catalog.values())
    response = _action(admin_client, "abolish_selected", procedures, apply="1", decision="QĐ 9")
    assert response.status_code == 200  # the form again: the date is missing
    assert not Procedure.objects.filter(status=ProcedureStatus.ABOLISHED).exists()
    _action(admin_client, "abolish_selected", procedures, apply="1", decision="QĐ 9/QĐ-UBND",
            on_date="2026-07-01")  # fmt: skip
    assert Procedure.objects.filter(status=ProcedureStatus.ABOLISHED).count() == 2
    assert ProcedureVersion.objects.count() == 2


def test_export_actions_download_the_selection(admin_client, catalog):
    response = _action(admin_client, "export_json", [catalog["1.000002"]])
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    assert [p["code"] for p in document["procedures"]] == ["1.000002"]
    response = _action(admin_client, "export_xlsx", list(catalog.values()))
    assert response.content[:2] == b"PK"


def test_import_page_previews_then_imports_on_confirmation(admin_client, catalog):
    url = reverse("admin:catalog_procedure_import")
    assert admin_client.get(url).status_code == 200
    upload = SimpleUploadedFile("moi.json", as_file(sample("1.000001", name="Tên mới"),
                                                   sample("1.000003")))  # fmt: skip
    response = admin_client.post(url, {"file": upload, "preview": "1"})
    report = response.context["report"]
    assert report.dry_run and (report.created, report.new_versions) == (1, 1)
    assert Procedure.objects.count() == 2
    token = response.context["token"]
    assert token
    response = admin_client.post(url, {"token": token, "filename": "moi.json", "confirm": "1",
                                       "note": "Đợt cập nhật 7/2026"})  # fmt: skip
    assert response.context["report"].written
    assert Procedure.objects.count() == 3
    version = Procedure.objects.get(code="1.000001").current_version
    assert version.number == 2 and version.change_note == "Đợt cập nhật 7/2026"
    # The stored upload is used once.
    response = admin_client.post(url, {"token": token, "confirm": "1"})
    assert response.status_code == 302


def test_import_page_lists_errors_and_offers_no_confirmation(admin_client, catalog):
    url = reverse("admin:catalog_procedure_import")
    upload = SimpleUploadedFile("hong.json", as_file(sample("1.000009", online="x")))
    response = admin_client.post(url, {"file": upload, "preview": "1"})
    page = response.content.decode()
    assert "Thủ tục thứ 1 (mã 1.000009): trường online có giá trị" in page
    assert response.context["token"] == "" and 'name="confirm"' not in page


def test_publish_page_creates_a_new_version(admin_client, catalog):
    procedure = catalog["1.000001"]
    url = reverse("admin:catalog_procedure_publish", args=[procedure.pk])
    initial = json.loads(admin_client.get(url).context["form"].initial["content"])
    assert initial["code"] == "1.000001" and initial["name"] == "Đăng ký khai sinh"
    initial["name"] = "Đăng ký khai sinh (mẫu mới)"
    response = admin_client.post(url, {"content": json.dumps(initial), "note": "QĐ 5"})
    assert response.status_code == 302
    procedure.refresh_from_db()
    assert procedure.current_version.number == 2 and procedure.name == "Đăng ký khai sinh (mẫu mới)"
    initial["steps"] = []
    response = admin_client.post(url, {"content": json.dumps(initial), "note": "QĐ 6"})
    assert "trường steps phải có ít nhất một bước." in response.content.decode()
    assert procedure.versions.count() == 2


def test_staff_without_publish_right_cannot_import(client, django_user_model, catalog):
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_procedure"))
    client.force_login(viewer)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.get(reverse("admin:catalog_procedure_import")).status_code == 403
    procedure = catalog["1.000001"]
    response = _action(client, "suspend_selected", [procedure], apply="1", reason="x")
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.ACTIVE
    assert response.status_code in (200, 302)
