import pytest

from motcua.catalog.models import Fee, FeeKind
from motcua.dossiers.tests import factories as f
from motcua.payments.models import Exemption, ExemptionCategory, FeeRule, FeeTiming

VNPAY_SECRET = "TESTSECRETKEY0123456789ABCDEFGHIJ"


@pytest.fixture
def p(db):
    yield from f.province_fixture()


@pytest.fixture(autouse=True)
def gateways(settings):
    settings.MOTCUA_PAYMENTS_GATEWAYS = ["demo", "vnpay"]
    settings.MOTCUA_VNPAY_TMN_CODE = "MOTCUA01"
    settings.MOTCUA_VNPAY_HASH_SECRET = VNPAY_SECRET
    settings.MOTCUA_VNPAY_PAY_URL = "https://sandbox.example.vn/paymentv2/vpcpay.html"


def add_fees(procedure):
    """Lệ phí 200.000 đ (poor households exempt, people with merit −50%) and phí 50.000 đ."""
    version = procedure.current_version
    poor, _ = ExemptionCategory.objects.get_or_create(
        code="ho-ngheo", defaults={"label": "Người thuộc hộ nghèo, hộ cận nghèo"}
    )
    merit, _ = ExemptionCategory.objects.get_or_create(
        code="nguoi-co-cong", defaults={"label": "Người có công với cách mạng và thân nhân"}
    )
    charge = Fee.objects.create(
        version=version,
        position=1,
        name="Lệ phí cấp Phiếu lý lịch tư pháp",
        kind=FeeKind.CHARGE,
        amount=200_000,
        exempt="Hộ nghèo; người có công",
    )
    fee = Fee.objects.create(
        version=version, position=2, name="Phí sao lục", kind=FeeKind.FEE, amount=50_000
    )
    Exemption.objects.create(fee=charge, category=poor, percent=100)
    Exemption.objects.create(fee=charge, category=merit, percent=50)
    Exemption.objects.create(fee=fee, category=merit, percent=33)
    return charge, fee


@pytest.fixture
def fees(p):
    return add_fees(p.procedure)


def before_result(fee):
    FeeRule.objects.create(fee=fee, timing=FeeTiming.BEFORE_RESULT)
