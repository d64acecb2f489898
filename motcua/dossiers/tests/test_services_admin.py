"""The dossier admin is read-only: a list, a search, and a page with events, steps, files."""

import pytest
from django.urls import reverse

from motcua.dossiers.models import Dossier

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(db):
    yield from f.province_fixture()


@pytest.fixture
def admin_client_(client, p):
    boss = f.make_user("quantri", "Trần Minh", "Quân")
    boss.is_superuser = boss.is_staff = True
    boss.save()
    client.force_login(boss)
    return client


def test_list_search_and_read_only_page(p, admin_client_):
    d = f.dossier_in(p, "returned", applicant=f.applicant_data(name="Đặng Thị Hồng"))
    other = f.dossier_in(p, "submitted", now=f.vn(2025, 10, 9, 9))
    url = reverse("admin:dossiers_dossier_changelist")
    page = admin_client_.get(url).content.decode()
    assert d.code in page and other.code in page and "Cấp Phiếu lý lịch tư pháp" in page
    found = admin_client_.get(url, {"q": "dang thi hong"}).content.decode()
    assert d.code in found and other.code not in found
    assert other.code in admin_client_.get(url, {"q": other.code}).content.decode()

    change = reverse("admin:dossiers_dossier_change", args=[d.pk])
    body = admin_client_.get(change).content.decode()
    assert all(e.hash in body for e in d.events.all())  # the event log inline
    assert "Trả kết quả" in body  # a step of the control sheet
    assert 'name="state"' not in body  # no editable field
    assert d.tracking_secret not in body
    admin_client_.post(change, {"state": "draft"})
    d.refresh_from_db()
    assert d.state == "returned"
    assert admin_client_.get(reverse("admin:dossiers_dossier_add")).status_code == 403
    assert (
        admin_client_.post(reverse("admin:dossiers_dossier_delete", args=[d.pk])).status_code == 403
    )
    assert Dossier.objects.filter(pk=d.pk).exists()


def test_managers_see_their_scope_only(p, client):
    d = f.dossier_in(p, "submitted")
    outsider = f.make_user("quanly.xa", roles=[(p.commune_committee, "manager")])
    client.force_login(outsider)
    url = reverse("admin:dossiers_dossier_changelist")
    assert d.code not in client.get(url).content.decode()
    client.force_login(p.manager)
    assert d.code in client.get(url).content.decode()
