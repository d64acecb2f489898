"""The register (form 07) of the officer's agency for a period."""

import pytest
from django.urls import reverse

from motcua.dossiers.tests import factories as f

pytestmark = pytest.mark.django_db
REGISTER = reverse("backoffice:register")


def test_the_register_form_then_the_pdf(p, as_user):
    f.dossier_in(p, "processing", step=1)
    client = as_user(p.receptionist)
    html = client.get(REGISTER).content.decode()
    assert 'name="from"' in html and 'name="to"' in html and "In sổ theo dõi" in html
    response = client.get(REGISTER, {"from": "01/10/2025", "to": "31/10/2025"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="07-H22.40-20251001-20251031.pdf"' in response["Content-Disposition"]


def test_a_wrong_period_is_explained(p, as_user):
    client = as_user(p.specialist)
    response = client.get(REGISTER, {"from": "31/10/2025", "to": "01/10/2025"})
    assert response.status_code == 400
    assert "Ngày kết thúc phải từ ngày bắt đầu trở đi." in response.content.decode()
    response = client.get(REGISTER, {"from": "hôm qua", "to": ""})
    html = response.content.decode()
    assert "Nhập ngày theo dạng ngày/tháng/năm" in html and "Phải nhập ngày." in html
    response = client.get(REGISTER, {"from": "01/01/2025", "to": "31/12/2025"})
    assert "Mỗi lần in tối đa 93 ngày." in response.content.decode()
