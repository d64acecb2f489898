"""Forms and tracking on dossiers made by the real services (tests/factories.py): the rows the
services write are the rows the forms and the tracking view read."""

import pytest

from motcua.dossiers import forms, services, tracking
from motcua.dossiers.lifecycle import Channel, State
from motcua.dossiers.regimes import FormKind, form_title

from . import factories as f
from .test_forms import pdf_text, qr_content

R = FormKind.RECEIPT
C = FormKind.CONTROL_SHEET


@pytest.fixture
def p(db):
    yield from f.province_fixture()


@pytest.mark.parametrize(
    "state, options, expected",
    [
        (State.PROCESSING, {}, [R, C]),
        (State.SUPPLEMENTING, {}, [R, FormKind.SUPPLEMENT_REQUEST, C]),
        (State.SUPPLEMENTING, {"at_reception": True}, [FormKind.SUPPLEMENT_REQUEST]),
        (State.REFUSED, {}, [FormKind.REFUSAL]),
        (State.STOPPED, {}, [R, FormKind.STOP_NOTICE, C]),
        (State.RETURNED, {}, [R, C]),
    ],
)
def test_each_available_form_of_a_real_dossier_renders_with_its_code(p, state, options, expected):
    d = f.dossier_in(p, state, **options)
    kinds = forms.available_forms(d)
    assert kinds == expected
    for kind in kinds:
        text = pdf_text(forms.render_form(d, kind))
        assert d.code in text
        assert str(form_title(kind, d.regime)).upper() in text


def test_receipt_of_a_counter_dossier_lists_the_checklist_and_the_receptionist(p, tmp_path):
    d = f.new_dossier(p, channel=Channel.COUNTER)
    documents = list(d.procedure_version.documents.order_by("position"))
    d = services.accept(
        d, p.receptionist, checklist=[doc.pk for doc in documents], now=f.vn(2025, 10, 8, 9, 30)
    )
    pdf = forms.render_form(d, FormKind.RECEIPT)
    text = pdf_text(pdf)
    for document in documents:
        assert document.name in text
    assert "Nguyễn Thị Lan" in text  # the receptionist, family name first
    assert "09 giờ 30 phút, ngày 08/10/2025" in text
    due = forms.format_clock_phrase(d.due_at)
    assert due and due in text
    assert "5 ngày làm việc" in text
    assert qr_content(pdf, tmp_path).endswith(f"/tra-cuu/{d.code}/?secret={d.tracking_secret}")


def test_tracking_a_real_dossier_through_its_life(p):
    d = f.dossier_in(p, State.SUPPLEMENTING)
    view = tracking.track(d.code, d.tracking_secret)
    assert view.next.action == tracking.NextAction.SUPPLEMENT
    assert view.next.items == ("Giấy xác nhận cư trú",)
    assert view.overdue is False
    assert [s.agency for s in view.steps] == [
        "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
        "Sở Tư pháp",
    ]
    names = ("Nguyễn Thị Lan", "Lê Văn Hùng", "Phạm Thị Thu Hà")
    assert not any(name in repr(view) for name in names)

    paying = f.dossier_in(p, State.AWAITING_PAYMENT)
    view = tracking.track(paying.code, paying.tracking_secret)
    assert view.next.action == tracking.NextAction.PAY
    assert view.next.items == ("Phí: 200.000 đồng",)

    decided = f.dossier_in(p, State.DECIDED)
    view = tracking.track(decided.code, decided.tracking_secret)
    assert view.next.action == tracking.NextAction.COLLECT
    assert "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh" in view.next.detail
    assert tracking.track(decided.code, paying.tracking_secret) is None
