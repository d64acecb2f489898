"""The leader's queue: bulk approve / deny through the services, one failure stops nothing."""

import re

import pytest
from django.urls import reverse

from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests import factories as f

pytestmark = pytest.mark.django_db
APPROVALS = reverse("backoffice:approvals")


@pytest.fixture
def signing(p):
    """Three dossiers at the leader's signing step of Sở Tư pháp (the last before the return),
    and one still at the appraisal."""
    ready = [f.dossier_in(p, "processing", step=2) for _ in range(3)]
    f.dossier_in(p, "processing", step=1)
    return ready


def picked(d):
    return f"{d.public_id}:{d.version}"


def test_the_queue_lists_the_dossiers_waiting_for_the_leader(p, as_user, signing):
    html = as_user(p.leader).get(APPROVALS).content.decode()
    listed = re.findall(r'name="dossiers" value="([^"]+)"', html)
    assert listed == [picked(d) for d in signing]
    assert "Lãnh đạo Sở ký duyệt" in html and "Chờ phê duyệt" in html
    # The agency's overdue dossiers (received in October 2025) are listed below.
    assert "Hồ sơ quá hạn của cơ quan" in html and html.count("/can-bo/ho-so/H22.40-") >= 7
    assert "Chọn hồ sơ " + signing[0].code in html


def test_bulk_approve_goes_on_after_a_failure_and_sums_up(p, as_user, signing):
    first, stale, third = signing
    services.assign(stale, p.leader, officer=p.leader)  # changed since the page was read
    data = {"op": "approve", "note": "Đồng ý", "dossiers": [picked(d) for d in signing]}
    client = as_user(p.leader)
    # The versions in the form are those read before the assignment.
    data["dossiers"][1] = f"{stale.public_id}:{stale.version}"
    response = client.post(APPROVALS, data)
    assert response.status_code == 302
    states = {d.code: Dossier.objects.get(pk=d.pk).state for d in signing}
    assert states == {first.code: "decided", stale.code: "processing", third.code: "decided"}
    html = client.get(APPROVALS).content.decode()
    assert f"Đã phê duyệt 2 hồ sơ: {first.code}, {third.code}." in html
    assert f"{stale.code}: Hồ sơ vừa được người khác cập nhật" in html


def test_bulk_deny_needs_a_reason(p, as_user, signing):
    client = as_user(p.leader)
    data = {"op": "deny", "dossiers": [picked(signing[0])]}
    response = client.post(APPROVALS, data)
    assert response.status_code == 400
    assert "Phải nêu lý do không giải quyết." in response.content.decode()
    assert Dossier.objects.get(pk=signing[0].pk).state == "processing"
    data["reason"] = "Không đủ điều kiện"
    assert client.post(APPROVALS, data).status_code == 302
    denied = Dossier.objects.get(pk=signing[0].pk)
    assert (denied.state, denied.result_kind, denied.result_note) == (
        "decided",
        "denied",
        "Không đủ điều kiện",
    )


def test_nothing_picked_is_an_error(p, as_user, signing):
    response = as_user(p.leader).post(APPROVALS, {"op": "approve"})
    assert response.status_code == 400 and "Chưa chọn hồ sơ nào." in response.content.decode()
