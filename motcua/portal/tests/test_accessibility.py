"""Every form control of the portal's pages has a label, and no page needs inline code."""

import pytest

from motcua.dossiers import services
from motcua.dossiers.tests import factories as f

from .helpers import assert_strict_csp_ok, fake, pdf, unlabelled_controls

pytestmark = pytest.mark.django_db


def test_the_label_check_finds_a_missing_label():
    html = (
        '<label for="a">A</label><input id="a"><input id="b" type="text">'
        '<label>C <select name="c"></select></label><input type="hidden" name="d">'
        '<textarea aria-label="E"></textarea><input type="submit">'
    )
    assert [c.get("id") for c in unlabelled_controls(html)] == ["b"]


def pages(client, p) -> dict[str, str]:
    """The portal's pages, in the states where they show the most controls."""
    urls = {
        "home": "/",
        "sign in": "/dang-nhap/",
        "sign up": "/dang-ky/",
        "procedures": "/thu-tuc/",
        "procedure": f"/thu-tuc/{p.procedure.code}/",
    }
    found = {name: client.get(url) for name, url in urls.items()}
    found["sign up, errors"] = client.post("/dang-ky/", {"password1": "a", "password2": "b"})
    client.force_login(p.citizen)
    apply = f"/nop-ho-so/{p.procedure.code}/"
    found["step 1"] = client.get(apply)
    found["step 1, errors"] = client.post(apply, {"kind": "citizen", "id_number": "1"})
    draft = f.dossier_in(p, "draft")
    first = draft.procedure_version.documents.order_by("position").first()
    services.add_attachment(draft, p.citizen, document=first, uploaded_file=pdf())
    found["step 2, errors"] = client.post(
        f"/ho-so/{draft.public_id}/giay-to/", {f"file-{first.pk}": fake()}
    )
    found["step 3"] = client.get(f"/ho-so/{draft.public_id}/xem-lai/")
    supplementing = f.dossier_in(p, "supplementing")
    found["my dossiers"] = client.get("/ho-so/")
    found["dossier"] = client.get(f"/ho-so/{supplementing.public_id}/")
    found["receipt"] = client.get(f"/ho-so/{supplementing.public_id}/bien-nhan/")
    found["supplement"] = client.get(f"/ho-so/{supplementing.public_id}/bo-sung/")
    found["withdraw, errors"] = client.post(f"/ho-so/{supplementing.public_id}/rut/", {})
    return found


def test_every_control_has_a_label(client, p):
    found = pages(client, p)
    for name, response in found.items():
        assert response.status_code == 200, name
        assert unlabelled_controls(response.content.decode()) == [], name
    # The check did look at real forms.
    assert found["step 2, errors"].content.decode().count('type="file"') == 6
    assert found["supplement"].content.decode().count("<textarea") == 1


def test_pages_keep_to_the_strict_content_security_policy(client, p):
    for name, response in pages(client, p).items():
        assert response.status_code == 200, name
        assert_strict_csp_ok(response)


def test_key_controls_have_stable_accessible_names(client, p):
    client.force_login(p.citizen)
    draft = f.dossier_in(p, "draft")
    first = draft.procedure_version.documents.order_by("position").first()
    html = client.get(f"/ho-so/{draft.public_id}/giay-to/").content.decode()
    # "Chọn tệp: <document>" and "Chụp ảnh: <document>": unique per document for a screen reader.
    assert (
        f'<label for="file-{first.pk}">Chọn tệp<span class="visually-hidden">: {first.name}</span></label>'
        in html
    )
    assert f'<label for="camera-{first.pk}">Chụp ảnh<span class="visually-hidden">: ' in html
    assert '<button type="submit" name="next" value="1">Tiếp tục: xem lại hồ sơ</button>' in html
    assert '<ol class="wizard">' in html and 'aria-current="step"' in html
