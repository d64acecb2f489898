"""The dossier services, one branch of the lifecycle at a time, on real calendar dates."""

from datetime import time, timedelta

import pytest

from motcua.catalog.models import ProcedureStatus, TimeUnit
from motcua.common.models import AuditEntry
from motcua.dossiers import chain, services
from motcua.dossiers.errors import ActionDenied, ActionInvalid, DossierConflict
from motcua.dossiers.lifecycle import Channel, DeliveryMethod, State
from motcua.dossiers.models import Apology, Dossier, Event, Pause, StepRecord
from motcua.dossiers.regimes import Regime
from motcua.worktime import deadlines
from motcua.worktime.selectors import get_work_calendar

from . import factories as f
from .factories import T0, vn

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(db):
    yield from f.province_fixture()


def chain_ok(dossier) -> bool:
    return chain.first_broken_link(Event.objects.filter(dossier=dossier).order_by("seq")) is None


def actions(dossier) -> list[str]:
    return list(
        Event.objects.filter(dossier=dossier).order_by("seq").values_list("action", flat=True)
    )


# --- the happy path -------------------------------------------------------------------------------


def test_online_happy_path_submit_accept_forward_forward_approve_deliver(p):
    clock = f.Clock(T0)
    d = f.new_dossier(p, now=clock.next())
    assert (d.state, d.code, d.version, d.current_agency) == (State.DRAFT, None, 0, None)
    assert d.receiving_agency == p.center and d.competent_agency == p.justice

    d = services.submit(d, p.citizen, now=clock.next())
    assert d.state == State.SUBMITTED and d.code == "H22.40-251008-0001"
    assert d.submitted_at == vn(2025, 10, 8, 9, 30) and d.current_agency == p.center
    assert chain_ok(d)

    d = services.accept(d, p.receptionist, checklist=[], note="Đủ hồ sơ", now=clock.next())
    assert d.state == State.PROCESSING and d.received_at == vn(2025, 10, 8, 10)
    # 5 working days = 40 working hours from Wednesday 10:00.
    assert d.due_at == vn(2025, 10, 15, 10)
    assert d.regime == Regime.ND118_2025
    assert (d.step_index, d.current_agency, d.current_officer) == (0, p.center, p.receptionist)
    assert chain_ok(d)

    d = services.forward(d, p.receptionist, officer=p.specialist, now=clock.next())
    assert (d.step_index, d.current_agency, d.current_officer) == (1, p.justice, p.specialist)
    d = services.forward(d, p.specialist, officer=p.leader, now=clock.next())
    assert (d.step_index, d.current_officer) == (2, p.leader)
    assert chain_ok(d)

    d = services.approve(d, p.leader, note="Đồng ý cấp", now=clock.next())
    assert (
        d.state == State.DECIDED and d.result_kind == "approved" and d.result_note == "Đồng ý cấp"
    )
    assert d.decided_at == vn(2025, 10, 8, 11, 30)
    # Decided: waits at the return step, at the center that received it.
    assert d.current_agency == p.center and d.current_officer is None

    d = services.deliver(
        d,
        p.receptionist,
        method=DeliveryMethod.COUNTER,
        delivered_to="Nguyễn Văn An",
        now=clock.next(),
    )
    assert d.state == State.RETURNED and d.returned_at == vn(2025, 10, 8, 12)
    assert (d.delivery_method, d.delivered_to) == ("counter", "Nguyễn Văn An")
    assert d.version == 6
    assert actions(d) == ["submit", "accept", "forward", "forward", "approve", "deliver"]
    assert chain_ok(d)

    events = list(Event.objects.filter(dossier=d).order_by("seq"))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert [(e.from_state, e.to_state) for e in events][:2] == [
        ("draft", "submitted"),
        ("submitted", "processing"),
    ]
    accept_event = events[1]
    assert accept_event.data["via"] == ["received"]
    assert accept_event.data["national_codes"] == [2, 4]
    assert accept_event.data["forms"] == ["receipt"]
    assert (accept_event.role, accept_event.agency_id) == ("receptionist", p.center.pk)
    assert accept_event.actor_name == "Nguyễn Thị Lan"
    assert accept_event.note == "Đủ hồ sơ"
    assert (events[2].from_step, events[2].to_step) == (0, 1)
    assert events[0].role == "applicant" and events[0].agency_id is None

    sheet = list(StepRecord.objects.filter(dossier=d).order_by("id"))
    assert [r.index for r in sheet] == [0, 1, 2, 3]
    assert all(r.finished_at is not None and r.on_time for r in sheet)
    assert [r.agency for r in sheet] == [p.center, p.justice, p.justice, p.center]
    # Step due times are the cumulative durations (4, 28, 4, 4 h) from the receipt.
    assert [r.due_at for r in sheet] == [
        vn(2025, 10, 8, 15, 30),
        vn(2025, 10, 14, 10),
        vn(2025, 10, 14, 15, 30),
        vn(2025, 10, 15, 10),
    ]
    assert sheet[0].handed_to == "Lê Văn Hùng"
    # The event log is the audit of dossier actions.
    assert not AuditEntry.objects.exists()


def test_counter_dossier_gets_its_code_at_acceptance_with_the_receipt_date(p):
    d = f.new_dossier(p, channel=Channel.COUNTER, now=vn(2025, 10, 8, 16))
    assert d.state == State.DRAFT and d.code is None and d.current_agency == p.center
    d = services.accept(d, p.receptionist, now=vn(2025, 10, 9, 8))
    assert d.code == "H22.40-251009-0001"
    assert d.received_at == vn(2025, 10, 9, 8) and d.due_at == vn(2025, 10, 16, 8)
    assert actions(d) == ["accept"] and chain_ok(d)


def test_applicant_cannot_submit_a_counter_dossier(p):
    d = f.new_dossier(p, channel=Channel.COUNTER)
    with pytest.raises(ActionDenied):
        services.submit(d, p.citizen, now=T0)


def test_code_sequence_is_per_receiving_agency_and_vietnam_day(p):
    codes = [
        services.submit(f.new_dossier(p, now=at), p.citizen, now=at).code
        for at in (vn(2025, 10, 8, 0, 30), vn(2025, 10, 8, 23, 30), vn(2025, 10, 9, 0, 10))
    ]
    # 00:30 in Vietnam is the previous day in UTC: the code carries the Vietnamese date.
    assert codes == ["H22.40-251008-0001", "H22.40-251008-0002", "H22.40-251009-0001"]
    commune = f.new_dossier(
        p, procedure=p.commune_procedure, applicant=f.applicant_data(commune="06652"), now=T0
    )
    assert services.submit(commune, p.citizen, now=T0).code == "H22.06652.40-251008-0001"


def test_regime_follows_the_receipt_date(p):
    before = f.dossier_in(p, "processing", step=0, now=vn(2025, 6, 30, 9))
    after = f.dossier_in(p, "processing", step=0, now=vn(2025, 7, 1, 9))
    assert before.regime == Regime.ND61_2018
    assert after.regime == Regime.ND118_2025
    # TT 01/2018 has no stop notice: stopping records no form.
    stopped = services.stop(before, p.receptionist, reason="Theo yêu cầu", now=vn(2025, 6, 30, 10))
    event = Event.objects.filter(dossier=stopped).latest("seq")
    assert event.data["forms"] == []
    stopped_new = services.stop(
        after, p.receptionist, reason="Theo yêu cầu", now=vn(2025, 7, 1, 10)
    )
    assert Event.objects.filter(dossier=stopped_new).latest("seq").data["forms"] == ["stop_notice"]


def test_cutoff_time_counts_from_the_next_working_day(p):
    procedure = f.make_procedure(
        "Chứng thực bản sao",
        agencies=[p.justice],
        time_value=4,
        time_unit=TimeUnit.WORKING_HOURS,
        cutoff_time=time(15, 0),
        steps=[(n, r, k, 1) for n, r, k, _h in f.PROVINCE_STEPS],
    )
    late = f.dossier_in(
        p,
        "processing",
        step=0,
        procedure=procedure,
        channel=Channel.COUNTER,
        now=vn(2025, 10, 8, 15, 30),
    )
    on_time = f.dossier_in(
        p,
        "processing",
        step=0,
        procedure=procedure,
        channel=Channel.COUNTER,
        now=vn(2025, 10, 8, 14),
    )
    # Accepted 16:00 (after the cut-off): counts from Thursday 07:30.
    assert late.received_at == vn(2025, 10, 8, 16)
    assert late.due_at == vn(2025, 10, 9, 11, 30)
    # Accepted 14:30: 2.5 h on Wednesday, 1.5 h on Thursday.
    assert on_time.due_at == vn(2025, 10, 9, 9)


# --- creating ------------------------------------------------------------------------------------


def test_create_validates_the_applicant(p):
    with pytest.raises(ActionInvalid) as exc:
        f.new_dossier(p, applicant=f.applicant_data(id_number="12345", phone="123", name=" "))
    fields = exc.value.extra["errors"]
    assert set(fields) == {"applicant.id_number", "applicant.phone", "applicant.name"}
    assert {v.code for v in exc.value.violations} == {
        "invalid_personal_id",
        "invalid_phone",
        "name_required",
    }
    assert not Dossier.objects.exists()


def test_create_normalises_identifiers(p):
    d = f.new_dossier(
        p,
        applicant=f.applicant_data(
            kind="enterprise",
            name="Công ty TNHH A",
            id_number="0100109106 001",
            phone="+84 912 345 678",
        ),
        representative={"name": "Trần Văn B", "id_number": "022090000001"},
    )
    assert d.applicant_id_number == "0100109106-001"
    assert d.applicant_phone == "0912345678"
    assert d.representative_name == "Trần Văn B"
    assert "cong ty tnhh a" in d.search_folded


def test_create_refuses_unavailable_or_offline_procedures(p):
    p.procedure.status = ProcedureStatus.SUSPENDED
    p.procedure.save()
    with pytest.raises(ActionInvalid) as exc:
        f.new_dossier(p)
    assert exc.value.code == "procedure_unavailable"
    offline = f.make_procedure("Thủ tục không trực tuyến", agencies=[p.justice], online="none")
    with pytest.raises(ActionInvalid) as exc:
        f.new_dossier(p, procedure=offline)
    assert exc.value.code == "procedure_not_online"
    # At the counter it is accepted.
    assert f.new_dossier(p, procedure=offline, channel=Channel.COUNTER).state == State.DRAFT
    with pytest.raises(ActionInvalid) as exc:
        f.new_dossier(p, procedure=f.make_procedure("X", agencies=[]))
    assert exc.value.code == "no_competent_agency"


def test_counter_entry_needs_a_receptionist_of_the_receiving_center(p):
    with pytest.raises(ActionDenied):
        services.create_dossier(
            procedure_code=p.procedure.code,
            applicant=f.applicant_data(),
            channel=Channel.COUNTER,
            actor=p.specialist,
        )
    with pytest.raises(ActionDenied):
        services.create_dossier(
            procedure_code=p.procedure.code,
            applicant=f.applicant_data(),
            channel=Channel.COUNTER,
            actor=p.receptionist,
            receiving_agency=p.commune_center,
        )


def test_commune_procedure_goes_to_the_applicants_commune_wherever_received(p):
    # Online, the applicant's commune decides; the default center is that commune's center.
    d = f.new_dossier(p, procedure=p.commune_procedure, applicant=f.applicant_data(commune="06658"))
    assert d.competent_agency == p.other_commune_committee
    assert d.receiving_agency == p.other_commune_center
    # Territorial rule: the province center receives it, routed to the applicant's commune.
    d = f.new_dossier(
        p,
        procedure=p.commune_procedure,
        channel=Channel.COUNTER,
        receiving_agency=p.center,
        applicant=f.applicant_data(commune="06652"),
    )
    assert (d.receiving_agency, d.competent_agency) == (p.center, p.commune_committee)
    d = services.accept(d, p.receptionist, now=T0)
    assert d.code.startswith("H22.40-") and d.current_agency == p.center
    d = services.forward(
        d, p.receptionist, officer=p.commune_specialist, now=T0 + timedelta(hours=1)
    )
    assert d.current_agency == p.commune_committee
    # Without a commune, the receiving commune center's commune decides.
    d = f.new_dossier(p, procedure=p.commune_procedure, channel=Channel.COUNTER)
    assert d.competent_agency == p.commune_committee
    with pytest.raises(ActionInvalid) as exc:
        f.new_dossier(p, procedure=p.commune_procedure)
    assert exc.value.code == "competent_agency_ambiguous"


# --- idempotency ---------------------------------------------------------------------------------


def test_idempotency_key_returns_the_first_dossier_and_refuses_other_content(p):
    first = f.new_dossier(p, idempotency_key="abc-1")
    again = f.new_dossier(p, idempotency_key="abc-1")
    assert again.pk == first.pk and Dossier.objects.count() == 1
    from motcua.dossiers.errors import IdempotencyMismatch

    with pytest.raises(IdempotencyMismatch) as exc:
        f.new_dossier(p, idempotency_key="abc-1", applicant=f.applicant_data(name="Người khác"))
    assert exc.value.status == 409
    # Keys belong to a user: the same key from someone else is a different request.
    other = f.new_dossier(p, idempotency_key="abc-1", applicant_user=p.other_citizen)
    assert other.pk != first.pk and Dossier.objects.count() == 2


def test_a_failed_creation_frees_the_idempotency_key(p):
    with pytest.raises(ActionInvalid):
        f.new_dossier(p, idempotency_key="k", applicant=f.applicant_data(id_number="1"))
    # Had the key been kept, other content would be refused as a reuse.
    d = f.new_dossier(p, idempotency_key="k")
    assert d.pk and f.new_dossier(p, idempotency_key="k").pk == d.pk


# --- supplements ---------------------------------------------------------------------------------


def test_supplement_at_reception_once_clock_not_started(p):
    d = f.dossier_in(p, "submitted")
    with pytest.raises(ActionDenied):  # only the receptionist asks at reception
        services.request_supplement(d, p.specialist, items=["Giấy tờ"], now=T0)
    with pytest.raises(ActionInvalid) as exc:
        services.request_supplement(d, p.receptionist, items=[], now=T0)
    assert exc.value.code == "items_required"
    d = services.request_supplement(
        d, p.receptionist, items=["Bản sao hộ chiếu", "Ảnh 4x6"], now=vn(2025, 10, 8, 10)
    )
    assert (d.state, d.previous_state, d.reception_supplement_requests) == (
        "supplementing",
        "submitted",
        1,
    )
    assert d.paused_since is None and d.due_at is None
    assert Pause.objects.get(dossier=d).items == ["Bản sao hộ chiếu", "Ảnh 4x6"]
    d = services.supplement(d, p.citizen, now=vn(2025, 10, 9, 10))
    assert (d.state, d.previous_state) == ("submitted", "")
    with pytest.raises(ActionInvalid) as exc:
        services.request_supplement(d, p.receptionist, items=["Thêm"], now=vn(2025, 10, 9, 11))
    assert exc.value.code == "supplement_already_requested_at_reception"
    d = services.accept(d, p.receptionist, now=vn(2025, 10, 9, 11))
    # The clock starts at acceptance: the reception pause moves nothing.
    assert d.due_at == vn(2025, 10, 16, 11)
    assert chain_ok(d)


def test_a_counter_dossier_asked_for_supplements_at_the_desk_gets_its_code(p):
    d = f.new_dossier(p, channel=Channel.COUNTER)
    assert d.code is None
    d = services.request_supplement(d, p.receptionist, items=["Tờ khai có chữ ký"], now=T0)
    assert (d.state, d.previous_state) == ("supplementing", "draft")
    assert d.code == "H22.40-251008-0001" and d.received_at is None and d.due_at is None
    assert Event.objects.get(dossier=d).data["code"] == d.code
    d = services.supplement(d, p.receptionist, now=vn(2025, 10, 9, 9))
    assert d.state == "draft"
    d = services.accept(d, p.receptionist, now=vn(2025, 10, 9, 9, 30))
    assert d.state == "processing" and d.code == "H22.40-251008-0001"
    assert chain_ok(d)


def test_supplement_during_processing_over_tet_2026_moves_the_due_time_by_the_paused_time(p):
    f.seed_calendar(2026)
    d = f.dossier_in(p, "processing", step=1, now=vn(2026, 2, 10, 8, 30))
    assert d.received_at == vn(2026, 2, 10, 9, 30)
    # 40 h from Tuesday 09:30: Tue 6 h, Wed 8, Thu 8, Fri 8 (30 h), Tết 14–22/02, Mon 23 8 h,
    # Tue 24 2 h → 09:30.
    assert d.due_at == vn(2026, 2, 24, 9, 30)
    step_due = StepRecord.objects.get(dossier=d, index=1).due_at
    d = services.request_supplement(
        d, p.specialist, items=["Giấy xác nhận cư trú"], now=vn(2026, 2, 12, 9)
    )
    assert d.paused_since == vn(2026, 2, 12, 9) and d.supplement_requests == 1
    d = services.supplement(d, p.citizen, note="Đã bổ sung", now=vn(2026, 2, 23, 9))
    assert d.state == State.PROCESSING and d.paused_since is None
    # Paused: Thu 12/02 09:00–17:00 (6.5 h), Fri 13/02 (8 h), Mon 23/02 07:30–09:00 (1.5 h) = 16 h.
    cal = get_work_calendar(p.justice)
    paused = deadlines.working_time_between(cal, vn(2026, 2, 12, 9), vn(2026, 2, 23, 9))
    assert paused == timedelta(hours=16)
    assert d.due_at == vn(2026, 2, 26, 9, 30)
    assert deadlines.working_time_between(cal, vn(2026, 2, 24, 9, 30), d.due_at) == paused
    # The open step's due time moves too.
    assert StepRecord.objects.get(dossier=d, index=1).due_at == deadlines.add_working_time(
        cal, step_due, paused
    )
    event = Event.objects.filter(dossier=d).latest("seq")
    assert event.data["paused_seconds"] == 16 * 3600
    # Only once during processing.
    with pytest.raises(ActionInvalid) as exc:
        services.request_supplement(d, p.specialist, items=["Lần hai"], now=vn(2026, 2, 23, 10))
    assert exc.value.code == "supplement_already_requested"
    assert chain_ok(d)


def test_a_pause_over_a_weekend_moves_nothing(p):
    d = f.dossier_in(p, "processing", step=1)
    due = d.due_at
    d = services.request_supplement(d, p.specialist, items=["Tờ khai"], now=vn(2025, 10, 10, 17))
    d = services.supplement(d, p.receptionist, now=vn(2025, 10, 13, 7, 30))
    assert d.due_at == due
    assert Pause.objects.get(dossier=d).ended_at == vn(2025, 10, 13, 7, 30)


# --- refusal, stop, withdrawal, denial -----------------------------------------------------------


def test_refusal_needs_a_reason_and_is_final(p):
    d = f.dossier_in(p, "submitted")
    with pytest.raises(ActionInvalid) as exc:
        services.refuse(d, p.receptionist, reason="   ", now=T0)
    assert exc.value.code == "reason_required"
    d = services.refuse(d, p.receptionist, reason="Không thuộc thẩm quyền", now=vn(2025, 10, 8, 11))
    assert d.state == State.REFUSED and d.ended_at == vn(2025, 10, 8, 11)
    assert Event.objects.filter(dossier=d).latest("seq").data["forms"] == ["refusal"]
    with pytest.raises(ActionInvalid) as exc:
        services.withdraw(d, p.citizen, now=vn(2025, 10, 8, 12))
    assert exc.value.code == "final_state"
    assert chain_ok(d)


def test_stop_belongs_to_processing_and_closes_what_is_open(p):
    with pytest.raises(ActionInvalid) as exc:
        services.stop(f.dossier_in(p, "submitted"), p.receptionist, reason="X", now=T0)
    assert exc.value.code == "state_not_allowed"
    d = f.dossier_in(p, "supplementing")
    with pytest.raises(ActionDenied):
        services.stop(d, p.specialist, reason="Theo đề nghị", now=vn(2025, 10, 9, 9))
    d = services.stop(d, p.receptionist, reason="Theo đề nghị", now=vn(2025, 10, 9, 9))
    assert d.state == State.STOPPED and d.ended_at == vn(2025, 10, 9, 9)
    assert d.paused_since is None and d.current_officer is None
    assert not Pause.objects.filter(dossier=d, ended_at__isnull=True).exists()
    assert not StepRecord.objects.filter(dossier=d, finished_at__isnull=True).exists()
    assert chain_ok(d)


def test_withdraw_by_the_applicant_only(p):
    d = f.dossier_in(p, "processing", step=1)
    with pytest.raises(ActionDenied):
        services.withdraw(d, p.receptionist, now=vn(2025, 10, 9, 9))
    with pytest.raises(ActionDenied):
        services.withdraw(d, p.other_citizen, now=vn(2025, 10, 9, 9))
    d = services.withdraw(d, p.citizen, reason="Không còn nhu cầu", now=vn(2025, 10, 9, 9))
    assert d.state == State.WITHDRAWN and d.ended_at == vn(2025, 10, 9, 9)
    assert Event.objects.filter(dossier=d).latest("seq").data["reason"] == "Không còn nhu cầu"


def test_denial_by_the_step_leader_then_return(p):
    d = f.dossier_in(p, "processing", step=1)
    with pytest.raises(ActionDenied):
        services.deny(d, p.specialist, reason="Không đủ điều kiện", now=vn(2025, 10, 9, 9))
    with pytest.raises(ActionDenied):  # a leader of another agency
        services.deny(d, p.construction_leader, reason="Không đủ điều kiện", now=vn(2025, 10, 9, 9))
    d = services.deny(d, p.leader, reason="Không đủ điều kiện", now=vn(2025, 10, 9, 9))
    assert (d.state, d.result_kind, d.result_note) == ("decided", "denied", "Không đủ điều kiện")
    assert d.current_agency == p.center
    d = services.deliver(d, p.receptionist, method="online", now=vn(2025, 10, 9, 10))
    assert d.state == State.RETURNED and d.delivered_to == ""
    assert chain_ok(d)


def test_approve_only_at_the_last_step_and_deliver_at_the_counter_needs_a_recipient(p):
    d = f.dossier_in(p, "processing", step=1)
    with pytest.raises(ActionInvalid) as exc:
        services.approve(d, p.leader, now=vn(2025, 10, 9, 9))
    assert exc.value.code == "not_last_step"
    d = f.dossier_in(p, "decided")
    with pytest.raises(ActionInvalid) as exc:
        services.deliver(d, p.receptionist, method="counter", now=vn(2025, 10, 9, 9))
    assert exc.value.code == "recipient_required"
    with pytest.raises(ActionInvalid) as exc:
        services.deliver(d, p.receptionist, method="pigeon", now=vn(2025, 10, 9, 9))
    assert exc.value.code == "method_required"


# --- steps: forward, send back, assign, transfer ------------------------------------------------


def test_only_the_step_officer_forwards_and_a_refusal_writes_nothing(p):
    d = f.dossier_in(p, "processing", step=1)
    version, events = d.version, Event.objects.count()
    for outsider in (p.specialist2, p.leader, p.receptionist, p.citizen):
        with pytest.raises(ActionDenied):
            services.forward(d, outsider, now=vn(2025, 10, 9, 9))
    d.refresh_from_db()
    assert d.version == version and Event.objects.count() == events
    with pytest.raises(ActionInvalid) as exc:
        services.forward(d, p.specialist, officer=p.construction_leader, now=vn(2025, 10, 9, 9))
    assert exc.value.code == "officer_not_in_agency"


def test_forward_without_officer_leaves_the_step_to_be_assigned(p):
    d = f.dossier_in(p, "processing", step=0)
    d = services.forward(d, p.receptionist, now=vn(2025, 10, 8, 11))
    assert d.step_index == 1 and d.current_officer is None
    with pytest.raises(ActionDenied):
        services.assign(d, p.specialist, officer=p.specialist, now=vn(2025, 10, 8, 12))
    with pytest.raises(ActionInvalid) as exc:
        services.assign(d, p.leader, officer=p.construction_specialist, now=vn(2025, 10, 8, 12))
    assert exc.value.code == "officer_not_in_agency"
    p.specialist.is_active = False
    p.specialist.save()
    with pytest.raises(ActionInvalid) as exc:
        services.assign(d, p.leader, officer=p.specialist, now=vn(2025, 10, 8, 12))
    assert exc.value.code == "user_not_found"
    d = services.assign(d, p.leader, officer=p.specialist2.pk, now=vn(2025, 10, 8, 12))
    assert d.current_officer == p.specialist2
    assert StepRecord.objects.get(dossier=d, index=1).officer == p.specialist2
    event = Event.objects.filter(dossier=d).latest("seq")
    assert (event.action, event.data["officer"]) == ("assign", p.specialist2.pk)


def test_send_back_returns_to_whoever_did_the_previous_step(p):
    d = f.dossier_in(p, "processing", step=2)
    with pytest.raises(ActionInvalid) as exc:
        services.send_back(d, p.leader, reason="", now=vn(2025, 10, 9, 9))
    assert exc.value.code == "reason_required"
    d = services.send_back(d, p.leader, reason="Thẩm định lại", now=vn(2025, 10, 9, 9))
    assert (d.step_index, d.current_officer) == (1, p.specialist)
    records = list(StepRecord.objects.filter(dossier=d).order_by("id"))
    assert [r.index for r in records] == [0, 1, 2, 1]
    assert records[2].note == "Thẩm định lại" and records[2].finished_at == vn(2025, 10, 9, 9)


def test_late_step_is_recorded_on_the_control_sheet(p):
    d = f.dossier_in(p, "processing", step=0)
    # The reception step has 4 working hours from Wednesday 10:00: due 15:30.
    d = services.forward(d, p.receptionist, officer=p.specialist, now=vn(2025, 10, 9, 9))
    record = StepRecord.objects.get(dossier=d, index=0)
    assert record.due_at == vn(2025, 10, 8, 15, 30) and record.on_time is False


def test_transfer_to_another_agency_for_the_next_step(p):
    d = f.dossier_in(p, "processing", step=1)
    with pytest.raises(ActionDenied):
        services.transfer(d, p.leader, agency=p.construction, now=vn(2025, 10, 9, 9))
    with pytest.raises(ActionInvalid) as exc:
        services.transfer(d, p.specialist, agency=p.justice, now=vn(2025, 10, 9, 9))
    assert exc.value.code == "same_agency"
    with pytest.raises(ActionInvalid) as exc:
        services.transfer(d, p.specialist, agency="H99.99", now=vn(2025, 10, 9, 9))
    assert exc.value.code == "agency_not_found"
    d = services.transfer(
        d, p.specialist, agency="H22.16", note="Liên thông", now=vn(2025, 10, 9, 9)
    )
    assert (d.step_index, d.current_agency, d.current_officer) == (2, p.construction, None)
    assert d.competent_agency == p.justice
    record = StepRecord.objects.get(dossier=d, index=2)
    assert record.agency == p.construction
    assert StepRecord.objects.get(dossier=d, index=1).handed_to == "Sở Xây dựng"
    # The receiving agency's leader decides its slice; the first agency's may not.
    with pytest.raises(ActionDenied):
        services.approve(d, p.leader, now=vn(2025, 10, 9, 10))
    d = services.approve(d, p.construction_leader, now=vn(2025, 10, 9, 10))
    assert d.state == State.DECIDED and d.current_agency == p.center
    assert chain_ok(d)


def test_transfer_to_the_same_step_reroutes_the_competent_agency(p):
    d = f.dossier_in(p, "processing", step=1)
    d = services.transfer(d, p.specialist, agency=p.construction, to_step=1, now=vn(2025, 10, 9, 9))
    assert (d.step_index, d.current_agency, d.competent_agency) == (
        1,
        p.construction,
        p.construction,
    )
    d = services.assign(
        d, p.construction_leader, officer=p.construction_specialist, now=vn(2025, 10, 9, 10)
    )
    d = services.forward(d, p.construction_specialist, now=vn(2025, 10, 9, 11))
    assert d.current_agency == p.construction  # signing stays with the new agency


# --- payment -------------------------------------------------------------------------------------


def test_payment_pauses_the_clock_and_pay_must_match(p):
    d = f.dossier_in(p, "processing", step=1)
    due = d.due_at
    with pytest.raises(ActionInvalid) as exc:
        services.request_payment(
            d,
            p.specialist,
            amount=100,
            items=[{"name": "Lệ phí", "amount": 50}],
            now=vn(2025, 10, 9, 9),
        )
    assert exc.value.code == "payment_total_mismatch"
    d = services.request_payment(
        d, p.specialist, amount=100_000, items=["Lệ phí cấp phiếu"], now=vn(2025, 10, 9, 9)
    )
    assert d.state == State.AWAITING_PAYMENT and d.paused_since == vn(2025, 10, 9, 9)
    with pytest.raises(ActionInvalid) as exc:
        services.pay(d, p.citizen, amount=90_000, now=vn(2025, 10, 9, 11))
    assert exc.value.code == "payment_amount_mismatch"
    with pytest.raises(ActionDenied):
        services.pay(d, p.specialist, amount=100_000, now=vn(2025, 10, 9, 11))
    d = services.pay(
        d, p.receptionist, amount=100_000, receipt_number="BL-0001", now=vn(2025, 10, 9, 11)
    )
    assert d.state == State.PROCESSING and d.paused_since is None
    assert due == vn(2025, 10, 15, 10)
    assert d.due_at == vn(2025, 10, 15, 13, 30)  # 2 working hours later, over the lunch break
    assert Event.objects.filter(dossier=d).latest("seq").data["receipt_number"] == "BL-0001"


# --- late: apology and new date ------------------------------------------------------------------


def test_extend_once_at_least_one_working_day_before_the_due_time(p):
    d = f.dossier_in(p, "processing", step=1)
    assert d.due_at == vn(2025, 10, 15, 10)
    new_due = vn(2025, 10, 20, 17)
    # Tuesday 14/10 10:30 leaves 7.5 working hours: too late for an apology.
    with pytest.raises(ActionInvalid) as exc:
        services.extend(
            d, p.specialist, reason="Cần xác minh", new_due_at=new_due, now=vn(2025, 10, 14, 10, 30)
        )
    assert exc.value.code == "extend_too_late"
    with pytest.raises(ActionInvalid) as exc:
        services.extend(
            d, p.leader, reason="Cần xác minh", new_due_at=d.due_at, now=vn(2025, 10, 13, 9)
        )
    assert exc.value.code == "new_due_not_later"
    with pytest.raises(ActionDenied):
        services.extend(
            d, p.specialist2, reason="Cần xác minh", new_due_at=new_due, now=vn(2025, 10, 13, 9)
        )
    d = services.extend(
        d, p.leader, reason="Cần xác minh thực tế", new_due_at=new_due, now=vn(2025, 10, 14, 9, 30)
    )
    assert d.due_at == new_due and d.extended
    apology = Apology.objects.get(dossier=d)
    assert (apology.previous_due_at, apology.new_due_at, apology.reason) == (
        vn(2025, 10, 15, 10),
        new_due,
        "Cần xác minh thực tế",
    )
    event = Event.objects.filter(dossier=d).latest("seq")
    assert (
        event.data["forms"] == ["apology"] and event.data["due_at"] == "2025-10-20T10:00:00.000000Z"
    )
    with pytest.raises(ActionInvalid) as exc:
        services.extend(
            d, p.leader, reason="Lần hai", new_due_at=vn(2025, 10, 30, 17), now=vn(2025, 10, 15, 9)
        )
    assert exc.value.code == "already_extended"
    assert chain_ok(d)


def test_extend_moves_the_open_step_and_the_steps_to_come_to_the_new_appointment(p):
    d = f.dossier_in(p, "processing", step=1)
    steps = {r.index: r for r in d.step_records.all()}
    old_step_due = steps[1].due_at
    assert old_step_due == vn(2025, 10, 14, 10)  # 4 + 28 working hours after reception
    d = services.extend(
        d, p.leader, reason="Cần xác minh", new_due_at=vn(2025, 10, 20, 17), now=vn(2025, 10, 13, 9)
    )
    # 15/10 10:00 → 20/10 17:00 is 30 working hours; the open step gets them too.
    assert d.step_records.get(index=1, finished_at__isnull=True).due_at == vn(2025, 10, 17, 17)
    d = services.forward(d, p.specialist, now=vn(2025, 10, 16, 9))
    assert d.step_records.get(index=2).due_at == vn(2025, 10, 20, 11, 30)
    d = services.approve(d, p.leader, now=vn(2025, 10, 17, 9))
    # The return step, started after the apology, is due at the new appointment.
    assert d.step_records.get(index=3).due_at == d.due_at == vn(2025, 10, 20, 17)
    assert chain_ok(d)


# --- concurrency guard, dispatch, errors ---------------------------------------------------------


def test_expected_version_mismatch_is_a_conflict(p):
    d = f.dossier_in(p, "processing", step=1)
    stale = d.version - 1
    with pytest.raises(DossierConflict) as exc:
        services.forward(d, p.specialist, expected_version=stale, now=vn(2025, 10, 9, 9))
    assert (exc.value.state, exc.value.version, exc.value.status) == ("processing", d.version, 409)
    assert exc.value.as_dict()["version"] == d.version
    d = services.forward(d, p.specialist, expected_version=d.version, now=vn(2025, 10, 9, 9))
    assert d.step_index == 2


def test_perform_dispatches_by_name(p):
    d = f.dossier_in(p, "processing", step=1)
    d = services.perform(d, "forward", p.specialist, officer=p.leader.pk, now=vn(2025, 10, 9, 9))
    assert (d.step_index, d.current_officer) == (2, p.leader)
    with pytest.raises(ActionInvalid) as exc:
        services.perform(d, "fly", p.leader)
    assert exc.value.code == "unknown_action"
    with pytest.raises(ActionInvalid) as exc:
        services.perform(d, "approve", p.leader, colour="blue")
    assert exc.value.code == "invalid_fields"
    assert set(services.ACTIONS) == set(services.Action)


def test_errors_carry_stable_codes_and_vietnamese_messages(p):
    d = f.dossier_in(p, "processing", step=1)
    with pytest.raises(ActionDenied) as exc:
        services.approve(d, p.specialist, now=vn(2025, 10, 9, 9))
    body = exc.value.as_dict()
    assert body["code"] == "actor_not_allowed" and exc.value.status == 403
    assert "không được thực hiện" in body["detail"]
    with pytest.raises(ActionInvalid) as exc:
        services.accept(d, p.receptionist, now=vn(2025, 10, 9, 9))
    assert exc.value.code == "state_not_allowed" and exc.value.status == 400


def test_naive_now_is_a_programming_error(p):
    d = f.dossier_in(p, "submitted")
    with pytest.raises(ValueError):
        services.accept(d, p.receptionist, now=T0.replace(tzinfo=None))


def test_roles_follow_memberships_not_titles(p):
    # A receptionist of another center may not accept this center's dossier.
    d = f.dossier_in(p, "submitted")
    with pytest.raises(ActionDenied):
        services.accept(d, p.commune_receptionist, now=T0)
    # A superuser holds no role: approving needs a real membership.
    boss = f.make_user("sieu", "Quản", "Trị")
    boss.is_superuser = True
    boss.save()
    with pytest.raises(ActionDenied):
        services.accept(d, boss, now=T0)
    d = services.accept(d, p.receptionist2, now=T0 + timedelta(hours=1))
    assert d.current_officer == p.receptionist2


@pytest.mark.parametrize(
    "state", ["refused", "processing", "supplementing", "awaiting_payment", "stopped", "returned"]
)
def test_counter_dossiers_reach_every_state_with_a_valid_chain(p, state):
    d = f.dossier_in(p, state, channel=Channel.COUNTER)
    assert d.state == state and d.applicant_user is None and d.code.startswith("H22.40-")
    assert actions(d)[0] in ("accept", "refuse") and chain_ok(d)


def test_commune_dossier_goes_through_the_commune(p):
    d = f.dossier_in(
        p, "returned", procedure=p.commune_procedure, applicant=f.applicant_data(commune="06652")
    )
    sheet = list(StepRecord.objects.filter(dossier=d).order_by("id"))
    assert [r.agency for r in sheet] == [
        p.commune_center,
        p.commune_committee,
        p.commune_committee,
        p.commune_center,
    ]
    # 1 working day (8 h) from Wednesday 10:00.
    assert d.due_at == vn(2025, 10, 9, 10)
    with pytest.raises(ValueError):
        f.dossier_in(p, "submitted", channel=Channel.COUNTER)
