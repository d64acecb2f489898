import pytest
from django.core.exceptions import ValidationError

from motcua.agencies.models import (
    AdministrativeUnit,
    Agency,
    AgencyKind,
    Counter,
    Membership,
    Role,
    UnitLevel,
    validate_e_id,
)


@pytest.mark.parametrize(
    "e_id",
    ["H22", "H22.40", "H15.50.05.13", "G06.01.A1", "000.00.00.H13", "H22." + "1" * 31],
)
def test_valid_e_ids(e_id):
    validate_e_id(e_id)


@pytest.mark.parametrize(
    "e_id",
    [
        "",
        "h22",  # lower case: normalised before validation, never stored
        "22",  # no level-1 letter
        "H2",  # level-1 code is a letter and two digits
        "H22.",  # empty group
        "H22..40",
        "H22-40",
        "H22 40",
        "H22." + "1" * 32,  # 36 characters
        "00.00.00.H13",  # legacy form needs 3+2+2 digits
    ],
)
def test_invalid_e_ids(e_id):
    with pytest.raises(ValidationError):
        validate_e_id(e_id)


def test_e_id_is_normalised_on_save(tree):
    agency = Agency.objects.create(e_id=" h22.13.05 ", name="Phòng", kind=AgencyKind.DEPARTMENT)
    agency.refresh_from_db()
    assert agency.e_id == "H22.13.05"


def test_agency_tree_rejects_a_cycle(tree):
    tree.committee.parent = tree.commune_center
    with pytest.raises(ValidationError) as error:
        tree.committee.full_clean()
    assert "parent" in error.value.message_dict


def test_agency_cannot_be_its_own_parent(tree):
    tree.justice.parent = tree.justice
    with pytest.raises(ValidationError):
        tree.justice.full_clean()


def test_commune_agency_needs_a_commune_unit(tree):
    tree.commune_center.unit = tree.province
    with pytest.raises(ValidationError) as error:
        tree.commune_center.full_clean()
    assert "unit" in error.value.message_dict
    tree.justice.unit = tree.commune
    with pytest.raises(ValidationError):
        tree.justice.full_clean()
    tree.police.unit = tree.commune  # vertical agencies sit at either level
    tree.police.full_clean()


def test_ancestors_and_folded_name(tree):
    assert tree.commune_center.ancestors() == [tree.commune_committee, tree.committee]
    assert tree.committee.name_folded == "uy ban nhan dan tinh quang ninh"


def test_counter_belongs_to_a_center(tree):
    with pytest.raises(ValidationError) as error:
        Counter(center=tree.justice, number=1, name="Quầy").full_clean()
    assert "center" in error.value.message_dict
    Counter(center=tree.commune_center, number=1, name="Quầy").full_clean()


def test_membership_counter_must_be_in_its_agency(tree, make_user):
    user = make_user("a")
    membership = Membership(
        user=user, agency=tree.commune_center, role=Role.RECEPTIONIST, counter=tree.counter1
    )
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "counter" in error.value.message_dict


def test_unit_inline_name():
    unit = AdministrativeUnit(name="Thành phố Hà Nội", division_type="Thành phố")
    assert unit.inline_name == "thành phố Hà Nội"
    unit = AdministrativeUnit(name="Đặc khu Vân Đồn", division_type="Đặc khu")
    assert unit.inline_name == "đặc khu Vân Đồn"
    assert AdministrativeUnit(name="Khác", division_type="Xã").inline_name == "Khác"


def test_agency_kind_unit_levels():
    assert AgencyKind.unit_level(AgencyKind.COMMUNE_CENTER) == UnitLevel.COMMUNE
    assert AgencyKind.unit_level(AgencyKind.SERVICE_CENTER) == UnitLevel.PROVINCE
    assert AgencyKind.unit_level(AgencyKind.VERTICAL_AGENCY) is None
