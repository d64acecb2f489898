"""The return counter: find the dossier by its code or the receipt's QR URL, then deliver."""

import pytest
from django.urls import reverse

from motcua.dossiers.forms import tracking_url
from motcua.dossiers.models import Dossier
from motcua.dossiers.tests import factories as f

pytestmark = pytest.mark.django_db
RETURN = reverse("backoffice:return")


@pytest.fixture
def decided(p):
    return f.dossier_in(p, "decided")


def test_a_scanned_qr_url_finds_the_dossier_and_delivers(p, as_user, decided):
    client = as_user(p.receptionist)
    scanned = tracking_url(decided.code, decided.tracking_secret)
    assert "?secret=" in scanned
    response = client.get(RETURN, {"ma": scanned})
    # The URL with the secret is replaced by the code alone.
    assert response.status_code == 302
    assert response["Location"] == f"{RETURN}?ma={decided.code}"
    response = client.get(response["Location"])
    html = response.content.decode()
    assert response.status_code == 200 and decided.code in html
    assert "Đã giải quyết xong" in html and 'name="deliver-recipient_name"' in html
    # The secret is not needed by staff and is not echoed.
    assert decided.tracking_secret not in html
    data = {
        "expected_version": decided.version,
        "deliver-method": "counter",
        "deliver-recipient_name": "Trần Văn Ba",
        "deliver-recipient_id_number": "022090654321",
    }
    response = client.post(f"{RETURN}?ma={decided.code}", data)
    assert response.status_code == 302
    d = Dossier.objects.get(pk=decided.pk)
    assert d.state == "returned" and d.delivery_method == "counter"
    assert d.delivered_to == "Trần Văn Ba (số định danh 022090654321)"
    html = client.get(response["Location"]).content.decode()
    assert f"Đã trả kết quả hồ sơ {d.code}." in html and "Đã trả kết quả" in html


def test_a_typed_code_in_lower_case_works_and_a_wrong_one_says_so(p, as_user, decided):
    client = as_user(p.receptionist)
    response = client.get(RETURN, {"ma": f"  {decided.code.lower()} "}, follow=True)
    assert response.redirect_chain == [(f"{RETURN}?ma={decided.code}", 302)]
    assert 'name="deliver-method"' in response.content.decode()
    html = client.get(RETURN, {"ma": "H22.40-251008-9999"}).content.decode()
    assert "Không tìm thấy hồ sơ có mã H22.40-251008-9999." in html


def test_the_recipient_is_required_at_the_counter(p, as_user, decided):
    data = {"expected_version": decided.version, "deliver-method": "counter"}
    data["deliver-recipient_name"] = ""
    response = as_user(p.receptionist).post(f"{RETURN}?ma={decided.code}", data)
    assert response.status_code == 400
    assert "Phải ghi người nhận kết quả tại quầy." in response.content.decode()
    assert Dossier.objects.get(pk=decided.pk).state == "decided"


def test_a_dossier_without_result_cannot_be_delivered(p, as_user):
    d = f.dossier_in(p, "processing", step=1)
    html = as_user(p.receptionist).get(RETURN, {"ma": d.code}).content.decode()
    assert "Hồ sơ chưa thể trả kết quả (trạng thái: Đang xử lý)." in html
    assert 'name="deliver-method"' not in html
