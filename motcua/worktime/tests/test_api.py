"""GET /api/v1/worktime/due-date and /api/v1/worktime/calendar."""

from datetime import time

import pytest
from django.urls import include, path, reverse
from drf_spectacular.generators import SchemaGenerator

from motcua.worktime.models import WorkSchedule, WorkSession

pytestmark = pytest.mark.django_db

DUE = reverse("api:worktime-due-date")
CALENDAR = reverse("api:worktime-calendar")


def due(api_client, **params):
    return api_client.get(DUE, params)


def test_tet_2025(api_client, seeded):
    response = due(api_client, start="2025-01-24T09:00:00+07:00", working_days="1")
    assert response.status_code == 200
    assert response.json() == {
        "start": "2025-01-24T09:00:00+07:00",
        "counts_from": "2025-01-24T09:00:00+07:00",
        "due_at": "2025-02-03T09:00:00+07:00",
        "due_date": "2025-02-03",
    }


@pytest.mark.parametrize(
    "start",
    [
        "2025-01-24T09:00:00",  # naive: Hanoi time
        "2025-01-24T02:00:00Z",
        "2025-01-24T09:00:00 07:00",  # '+' sent unencoded arrives as a space
        "2025-01-24T03:00:00+01:00",
    ],
)
def test_start_in_any_form(api_client, seeded, start):
    response = due(api_client, start=start, working_days="1")
    assert response.status_code == 200, response.json()
    assert response.json()["due_at"] == "2025-02-03T09:00:00+07:00"
    assert response.json()["start"] == "2025-01-24T09:00:00+07:00"


def test_working_hours_and_fractions(api_client, seeded):
    body = due(api_client, start="2025-03-13T09:00:00+07:00", working_hours="4").json()
    assert body["due_at"] == "2025-03-13T14:30:00+07:00"
    body = due(api_client, start="2025-03-13T09:00:00+07:00", working_days="0.5").json()
    assert body["due_at"] == "2025-03-13T14:30:00+07:00"


def test_received_on_sunday_counts_from_monday(api_client, seeded):
    body = due(api_client, start="2025-03-09T08:00:00+07:00", working_days="1").json()
    assert body["counts_from"] == "2025-03-10T07:30:00+07:00"
    assert body["due_at"] == "2025-03-10T17:00:00+07:00"


def test_cutoff(api_client, seeded):
    body = due(
        api_client, start="2025-03-13T15:30:00+07:00", working_days="1", cutoff="15:00"
    ).json()
    assert body["counts_from"] == "2025-03-14T07:30:00+07:00"
    assert body["due_at"] == "2025-03-14T17:00:00+07:00"
    body = due(api_client, start="2025-03-13T15:30:00+07:00", working_days="1").json()
    assert body["due_at"] == "2025-03-14T15:30:00+07:00"


def test_agency_schedule(api_client, seeded, center):
    schedule = WorkSchedule.objects.create(agency=center, weekdays="12345")
    WorkSession.objects.create(schedule=schedule, start=time(7), end=time(11, 30))
    WorkSession.objects.create(schedule=schedule, start=time(13, 30), end=time(17))
    body = due(
        api_client, start="2025-03-13T06:00:00+07:00", working_hours="1", agency="h22.40"
    ).json()
    assert body["due_at"] == "2025-03-13T08:00:00+07:00"
    body = due(api_client, start="2025-03-13T06:00:00+07:00", working_hours="1").json()
    assert body["due_at"] == "2025-03-13T08:30:00+07:00"


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"working_days": "1"}, "start"),
        ({"start": "hôm qua", "working_days": "1"}, "start"),
        ({"start": "2025-13-40T09:00:00", "working_days": "1"}, "start"),
        ({"start": "2025-03-13T09:00:00"}, "working_days"),
        (
            {"start": "2025-03-13T09:00:00", "working_days": "1", "working_hours": "2"},
            "working_days",
        ),
        ({"start": "2025-03-13T09:00:00", "working_days": "-1"}, "working_days"),
        ({"start": "2025-03-13T09:00:00", "working_days": "một"}, "working_days"),
        ({"start": "2025-03-13T09:00:00", "working_days": "NaN"}, "working_days"),
        ({"start": "2025-03-13T09:00:00", "working_days": "100000"}, "working_days"),
        ({"start": "2025-03-13T09:00:00", "working_hours": "abc"}, "working_hours"),
        ({"start": "2025-03-13T09:00:00", "working_days": "1", "cutoff": "25:00"}, "cutoff"),
        ({"start": "2025-03-13T09:00:00", "working_days": "1", "cutoff": "3pm"}, "cutoff"),
        ({"start": "2025-03-13T09:00:00", "working_hours": "1", "cutoff": "15:00"}, "cutoff"),
        ({"start": "2025-03-13T09:00:00", "working_days": "1", "agency": "H99.99"}, "agency"),
    ],
)
def test_bad_parameters(api_client, db, params, parameter):
    response = api_client.get(DUE, params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_parameter"
    assert body["parameter"] == parameter
    assert any(ch in body["detail"] for ch in "ảạấầẩẫậắằẳẵặẻẽếềểễệỉịỏọốồổỗộớờởỡợủụứừửữựỳỵỷỹđ")


def test_calendar_2026(api_client, seeded):
    response = api_client.get(CALENDAR, {"year": "2026"})
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2026
    assert body["weekdays"] == [1, 2, 3, 4, 5]
    assert body["sessions"] == [
        {"start": "07:30", "end": "11:30"},
        {"start": "13:00", "end": "17:00"},
    ]
    assert body["working_day_hours"] == "8.00"
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-02-16"]["kind"] == "day_off"
    assert days["2026-08-22"] == {
        "date": "2026-08-22",
        "kind": "working_day",
        "name": "Làm bù cho ngày nghỉ 31/08/2026",
        "confirmed": True,
    }
    assert days["2026-11-24"]["confirmed"] is False
    assert all(d.startswith("2026-") for d in days)


def test_calendar_with_agency_schedule(api_client, seeded, center):
    schedule = WorkSchedule.objects.create(agency=center, weekdays="123456")
    WorkSession.objects.create(schedule=schedule, start=time(7), end=time(11))
    body = api_client.get(CALENDAR, {"year": "2025", "agency": "H22.40"}).json()
    assert body["weekdays"] == [1, 2, 3, 4, 5, 6]
    assert body["sessions"] == [{"start": "07:00", "end": "11:00"}]
    assert body["working_day_hours"] == "4.00"


@pytest.mark.parametrize("year", [None, "", "hai", "1800", "20261"])
def test_calendar_bad_year(api_client, db, year):
    response = api_client.get(CALENDAR, {} if year is None else {"year": year})
    assert response.status_code == 400
    assert response.json()["parameter"] == "year"


def test_endpoints_are_public_even_with_a_bad_token(api_client, seeded):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api_client.get(CALENDAR, {"year": "2025"}).status_code == 200


def test_openapi_schema_documents_the_parameters():
    generator = SchemaGenerator(patterns=[path("api/v1/", include("motcua.worktime.api_urls"))])
    schema = generator.get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/worktime/due-date"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"start", "working_days", "working_hours", "agency", "cutoff"}
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert response["$ref"].endswith("/DueDate")
    assert "year" in {
        p["name"] for p in schema["paths"]["/api/v1/worktime/calendar"]["get"]["parameters"]
    }
