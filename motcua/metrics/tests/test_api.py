"""GET /api/v1/indicators (and /index, /extra-sessions): staff only, scoped, JSON errors."""

from datetime import time, timedelta

import pytest
from rest_framework.test import APIClient

from motcua.dossiers.lifecycle import Channel
from motcua.dossiers.tests import factories as f
from motcua.worktime.models import ExtraSession

URL = "/api/v1/indicators"
PERIOD = {"from": "2025-10-01", "to": "2025-10-31"}


@pytest.fixture
def p(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield from f.province_fixture()


def client(user=None) -> APIClient:
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    return c


def test_manager_gets_values_with_definitions_grouped_by_agency(p):
    f.dossier_in(p, "returned")
    f.dossier_in(p, "refused")
    f.dossier_in(
        p, "returned", procedure=p.commune_procedure, applicant=f.applicant_data(commune="06652")
    )
    response = client(p.manager).get(URL, {**PERIOD, "group_by": "agency"})
    assert response.status_code == 200
    body = response.json()
    assert body["total"]["indicators"]["received"]["value"] == 2
    assert body["total"]["indicators"]["refused"]["value"] == 1
    assert {d["code"] for d in body["definitions"]} >= {"received", "on_time_rate"}
    on_time = next(d for d in body["definitions"] if d["code"] == "on_time_rate")
    assert "decided" in on_time["formula"] and on_time["source"]
    groups = {r["group"]["code"]: r for r in body["rows"]}
    assert set(groups) == {p.justice.e_id, p.commune_committee.e_id}
    assert groups[p.justice.e_id]["indicators"]["resolved"]["value"] == 1


def test_officer_sees_only_their_agency(p):
    f.dossier_in(p, "returned")
    f.dossier_in(
        p, "returned", procedure=p.commune_procedure, applicant=f.applicant_data(commune="06652")
    )
    body = client(p.commune_specialist).get(URL, PERIOD).json()
    assert body["total"]["indicators"]["resolved"]["value"] == 1
    # Asking for an agency outside the scope is an error, not an empty answer.
    response = client(p.commune_specialist).get(URL, {**PERIOD, "agency": p.justice.e_id})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert response.json()["parameter"] == "agency"


@pytest.mark.parametrize(
    "params, parameter",
    [
        ({"to": "2025-10-31"}, "from"),
        ({"from": "01/10/2025", "to": "2025-10-31"}, "from"),
        ({"from": "2025-10-31", "to": "2025-10-01"}, "to"),
        ({**PERIOD, "group_by": "officer"}, "group_by"),
        ({**PERIOD, "procedure": "9.999999"}, "procedure"),
        ({**PERIOD, "agency": "H99"}, "agency"),
    ],
)
def test_bad_parameters_are_json_errors(p, params, parameter):
    response = client(p.manager).get(URL, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_parameter" and body["parameter"] == parameter
    assert body["detail"]


def test_citizens_and_anonymous_are_refused(p):
    assert client(p.citizen).get(URL, PERIOD).status_code == 403
    response = client().get(URL, PERIOD)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_index_endpoint_scores_out_of_100(p):
    f.dossier_in(p, "returned")
    response = client(p.manager).get(f"{URL}/index", {**PERIOD, "group_by": "agency"})
    assert response.status_code == 200
    body = response.json()
    assert [g["max_points"] for g in body["total"]["groups"]] == [18, 20, 12, 10, 22, 18]
    assert body["total"]["max_total"] == 100
    assert body["rows"][0]["rank"] == 1


def test_extra_sessions_compare_with_normal_days(p):
    # Sunday 12/10/2025 morning session at the center; 2 dossiers received in it.
    ExtraSession.objects.create(
        agency=p.center, name="Chủ nhật vì dân", weekday=7, start=time(7, 30), end=time(11, 30)
    )
    sunday = f.vn(2025, 10, 12, 8)
    for i in range(2):
        f.dossier_in(p, "processing", channel=Channel.COUNTER, now=sunday + timedelta(minutes=i))
    for i in range(3):  # Wednesday 08/10 and Thursday 09/10
        f.dossier_in(p, "processing", channel=Channel.COUNTER, now=f.T0 + timedelta(days=i % 2))
    response = client(p.manager).get(
        f"{URL}/extra-sessions", {"from": "2025-10-06", "to": "2025-10-12"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["extra"] == {"sessions": 1, "received": 2, "per_session": 2.0}
    assert body["normal"]["received"] == 3
    assert body["normal"]["days"] == 5  # Monday to Friday at the center
    assert body["normal"]["per_day"] == 0.6
    assert body["normal"]["sessions"] == 10  # morning and afternoon
    assert body["normal"]["per_session"] == 0.3
