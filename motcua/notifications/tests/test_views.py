"""The staff page listing a dossier's notifications: only for officers who may see the dossier."""

from django.urls import reverse

from motcua.dossiers.lifecycle import State
from motcua.dossiers.tests import factories as f
from motcua.notifications import services
from motcua.notifications.models import Message


def test_officer_sees_the_dossiers_messages_and_their_status(p, client):
    d = f.dossier_in(p, State.PROCESSING, step=1)
    sms = Message.objects.get(dossier=d, channel="sms")
    services.deliver(str(sms.uuid))
    url = reverse("notifications:dossier-messages", args=[d.code])
    assert url == f"/can-bo/ho-so/{d.code}/thong-bao/"
    client.login(username=p.specialist.username, password=f.PASSWORD)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "an@example.vn" in html and d.applicant_phone in html
    assert "Đã gửi" in html and "Chờ gửi" in html  # the SMS sent, the email not yet
    assert "Đã tiếp nhận hồ sơ" in html


def test_other_agencies_and_the_public_do_not(p, client):
    d = f.dossier_in(p, State.PROCESSING, step=1)
    url = reverse("notifications:dossier-messages", args=[d.code])
    assert client.get(url).status_code == 302  # to the login page
    client.login(username=p.construction_specialist.username, password=f.PASSWORD)
    assert client.get(url).status_code == 404
    client.login(username=p.citizen.username, password=f.PASSWORD)
    assert client.get(url).status_code == 403
