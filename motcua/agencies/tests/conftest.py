"""Fixtures of the agencies tests: a small agency tree and users."""

from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from motcua.agencies.models import AdministrativeUnit, Agency, AgencyKind, Counter, UnitLevel


@pytest.fixture
def make_user(db):
    def make(username, **fields):
        return get_user_model().objects.create_user(username=username, password="pw", **fields)

    return make


@pytest.fixture
def tree(db):
    """UBND tỉnh → {Sở Tư pháp, Sở Xây dựng, Trung tâm tỉnh (2 counters), UBND xã → Trung tâm xã};
    Công an tỉnh as a separate root."""
    province = AdministrativeUnit.objects.create(
        code="22", name="Tỉnh Quảng Ninh", division_type="Tỉnh", level=UnitLevel.PROVINCE
    )
    commune = AdministrativeUnit.objects.create(
        code="06688",
        name="Phường Hạ Long",
        division_type="Phường",
        level=UnitLevel.COMMUNE,
        province=province,
    )

    def agency(e_id, kind, parent=None, unit=province, **fields):
        return Agency.objects.create(
            e_id=e_id, kind=kind, parent=parent, unit=unit, name=fields.pop("name", e_id), **fields
        )

    committee = agency("H22", AgencyKind.PROVINCE_COMMITTEE, name="Ủy ban nhân dân tỉnh Quảng Ninh")
    justice = agency("H22.13", AgencyKind.DEPARTMENT, committee, name="Sở Tư pháp")
    construction = agency("H22.16", AgencyKind.DEPARTMENT, committee, name="Sở Xây dựng")
    center = agency("H22.40", AgencyKind.SERVICE_CENTER, committee, name="Trung tâm tỉnh")
    commune_committee = agency(
        "H22.06688", AgencyKind.COMMUNE_COMMITTEE, committee, commune, name="UBND phường Hạ Long"
    )
    commune_center = agency(
        "H22.06688.40", AgencyKind.COMMUNE_CENTER, commune_committee, commune, name="TT xã"
    )
    police = agency("H22.70", AgencyKind.VERTICAL_AGENCY, name="Công an tỉnh")
    counter1 = Counter.objects.create(center=center, number=1, name="Tư pháp")
    counter2 = Counter.objects.create(center=center, number=2, name="Xây dựng")
    return SimpleNamespace(
        province=province,
        commune=commune,
        committee=committee,
        justice=justice,
        construction=construction,
        center=center,
        commune_committee=commune_committee,
        commune_center=commune_center,
        police=police,
        counter1=counter1,
        counter2=counter2,
        all_ids={
            a.id
            for a in (
                committee,
                justice,
                construction,
                center,
                commune_committee,
                commune_center,
                police,
            )
        },
    )
