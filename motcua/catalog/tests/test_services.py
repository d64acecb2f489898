"""Catalog lifecycle services: publish_version, suspend, abolish, reactivate."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from motcua.catalog import services
from motcua.catalog.models import Procedure, ProcedureStatus, ProcedureVersion
from motcua.catalog.tests.test_import import sample
from motcua.common.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("editor")


@pytest.fixture
def procedure(user):
    services.publish_version("1.000123", sample(), user, "Công bố lần đầu")
    return Procedure.objects.get(code="1.000123")


def test_publish_version_creates_the_procedure(procedure, user):
    version = procedure.current_version
    assert version.number == 1 and version.change_note == "Công bố lần đầu"
    assert version.created_by == user
    assert procedure.name == "Đăng ký khai sinh" and procedure.is_available
    entry = AuditEntry.objects.get(action="catalog.publish")
    assert (entry.object_type, entry.object_id, entry.actor) == (
        "catalog.procedure",
        "1.000123",
        user,
    )


def test_publish_version_adds_a_version_and_moves_current(procedure, user):
    v1 = procedure.current_version
    data = sample(name="Đăng ký khai sinh lưu động", online="partial")
    v2 = services.publish_version("1.000123", data, user, "QĐ 10/QĐ-UBND")
    procedure.refresh_from_db()
    assert (v2.number, procedure.current_version_id) == (2, v2.pk)
    assert procedure.name == "Đăng ký khai sinh lưu động" and procedure.online == "partial"
    assert procedure.name_folded == "dang ky khai sinh luu dong"
    v1.refresh_from_db()
    assert v1.name == "Đăng ký khai sinh" and v1.documents.count() == 2
    assert AuditEntry.objects.filter(action="catalog.publish").count() == 2


def test_publish_same_content_returns_current_and_writes_nothing(procedure, user):
    entries = AuditEntry.objects.count()
    version = services.publish_version("1.000123", sample(), user, "Không đổi")
    assert version == procedure.current_version
    assert ProcedureVersion.objects.count() == 1 and AuditEntry.objects.count() == entries


def test_publish_version_rejects_invalid_content_with_reasons(user):
    bad = sample(online="sometimes", steps=[])
    with pytest.raises(ValidationError) as raised:
        services.publish_version("1.000123", bad, user, "")
    assert raised.value.messages == [
        "trường online có giá trị “sometimes” không hợp lệ; dùng một trong: full, partial, none.",
        "trường steps phải có ít nhất một bước.",
    ]
    assert not Procedure.objects.exists()
    with pytest.raises(ValidationError):
        services.publish_version("1.000999", sample("1.000123"), user, "")


def test_suspend_and_reactivate_are_audited(procedure, user):
    services.suspend(procedure, user, "Chờ sửa đổi quy định")
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.SUSPENDED and not procedure.is_available
    entry = AuditEntry.objects.get(action="catalog.suspend")
    assert entry.data == {"from": "active", "to": "suspended", "reason": "Chờ sửa đổi quy định"}
    assert entry.summary == "Tạm ngừng thủ tục 1.000123: Chờ sửa đổi quy định"
    with pytest.raises(ValidationError):
        services.suspend(procedure, user, "lần nữa")
    services.reactivate(procedure, user)
    procedure.refresh_from_db()
    assert procedure.is_available
    assert AuditEntry.objects.filter(action="catalog.reactivate", actor=user).count() == 1
    with pytest.raises(ValidationError):
        services.reactivate(procedure, user)


def test_suspend_needs_a_reason(procedure, user):
    with pytest.raises(ValidationError):
        services.suspend(procedure, user, "  ")
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.ACTIVE


def test_abolish_hides_but_keeps_versions(procedure, user):
    services.publish_version("1.000123", sample(name="Tên mới"), user, "v2")
    procedure.refresh_from_db()
    services.abolish(procedure, dt.date(2026, 7, 1), "Quyết định số 77/QĐ-UBND", user)
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.ABOLISHED and not procedure.is_available
    assert (procedure.abolished_on, procedure.abolished_by) == (
        dt.date(2026, 7, 1), "Quyết định số 77/QĐ-UBND"
    )  # fmt: skip
    assert procedure.versions.count() == 2 and procedure.current_version.number == 2
    assert not Procedure.objects.filter(status=ProcedureStatus.ACTIVE).exists()
    entry = AuditEntry.objects.get(action="catalog.abolish")
    assert entry.data["abolished_on"] == "2026-07-01"
    with pytest.raises(ValidationError):
        services.abolish(procedure, dt.date(2026, 7, 2), "lần nữa", user)
    with pytest.raises(ValidationError):
        services.abolish(Procedure.objects.get(), None, "", user)


def test_reactivate_after_abolition_clears_the_abolition(procedure, user):
    services.abolish(procedure, dt.date(2026, 7, 1), "QĐ 1", user)
    services.reactivate(procedure, user)
    procedure.refresh_from_db()
    assert procedure.is_available and procedure.abolished_on is None
    assert procedure.abolished_by == ""


def test_publish_without_status_keeps_the_status_with_status_applies_it(procedure, user):
    services.suspend(procedure, user, "Tạm dừng")
    data = sample(name="Tên mới")
    del data["status"]
    services.publish_version("1.000123", data, user, "")
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.SUSPENDED and procedure.name == "Tên mới"
    services.publish_version("1.000123", {**data, "status": "active"}, user, "")
    procedure.refresh_from_db()
    assert procedure.status == ProcedureStatus.ACTIVE and procedure.current_version.number == 2
    assert AuditEntry.objects.filter(action="catalog.reactivate").count() == 1
