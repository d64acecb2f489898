"""Generated dossiers with varied outcomes, driven through the real services (dossiers factories):
several days, both channels, a province and a commune procedure, every final state, late and
early decisions, supplements, payments online and at the cashier, extensions, digitised and
re-used documents, electronic results."""

from __future__ import annotations

import random
from datetime import timedelta

from motcua.agencies.models import Role
from motcua.dossiers import services
from motcua.dossiers.lifecycle import Channel, DeliveryMethod
from motcua.dossiers.models import AttachmentKind
from motcua.dossiers.tests import factories as f

DAY = timedelta(days=1)


def _receptionist(p, d):
    return f.staff_for(p, d, Role.RECEPTIONIST)


def _applicant(p, procedure) -> dict:
    # A commune procedure is decided by the applicant's commune (Hà Tu: the factories' staff).
    return (
        f.applicant_data(commune="06652")
        if procedure == p.commune_procedure
        else f.applicant_data()
    )


def _full_story(p, rng: random.Random, now, *, channel, procedure, earlier: list) -> None:
    """A dossier that may be digitised, supplemented, paid, extended, decided late or early."""
    gap = timedelta(minutes=rng.choice([20, 45])) if rng.random() < 0.7 else timedelta(days=2)
    clock = f.Clock(now, gap)
    d = f.new_dossier(
        p,
        channel=channel,
        procedure=procedure,
        now=clock.next(),
        applicant=_applicant(p, procedure),
    )
    rec = _receptionist(p, d)
    doc = d.procedure_version.documents.order_by("position").first()
    if channel == Channel.ONLINE:
        if rng.random() < 0.8:
            services.add_attachment(d, d.applicant_user, document=doc, uploaded_file=f.pdf_file())
        d = services.submit(d, d.applicant_user, now=clock.next())
    elif earlier and rng.random() < 0.3:
        # Re-use the same applicant's document from an earlier dossier (digitised data).
        services.add_attachment(d, rec, document=doc, reused_from=earlier[-1])
    elif rng.random() < 0.8:
        earlier.append(
            services.add_attachment(
                d, rec, document=doc, uploaded_file=f.pdf_file(), digitised=rng.random() < 0.6
            )
        )
    d = services.accept(d, rec, now=clock.next())
    d = f.advance(p, d, 1, clock)
    specialist = d.current_officer
    roll = rng.random()
    if roll < 0.15:
        d = services.request_supplement(d, specialist, items=["Giấy tờ bổ sung"], now=clock.next())
        clock.now += timedelta(days=rng.choice([0, 1, 3]))
        actor = d.applicant_user or rec
        d = services.supplement(d, actor, now=clock.next())
    elif roll < 0.3:
        d = services.request_payment(
            d,
            specialist,
            amount=150_000,
            items=[{"name": "Lệ phí", "amount": 150_000}],
            now=clock.next(),
        )
        payer = d.applicant_user if (d.applicant_user and rng.random() < 0.6) else rec
        d = services.pay(d, payer, amount=150_000, receipt_number="BL-1", now=clock.next())
    elif roll < 0.38 and procedure == p.procedure and gap < DAY:  # ≥ 1 working day before due
        d = services.extend(
            d,
            specialist,
            reason="Cần xác minh thêm",
            new_due_at=d.due_at + 5 * DAY,
            now=clock.next(),
        )
    ending = rng.random()
    if ending < 0.1:
        services.stop(d, rec, reason="Theo đề nghị", now=clock.next())
        return
    if ending < 0.18:
        return  # left open (processing at step 1)
    d = f.advance(p, d, 2, clock)
    leader = f.staff_for(p, d, Role.LEADER)
    attachments = []
    if rng.random() < 0.6:
        attachments = [
            services.add_attachment(
                d, leader, uploaded_file=f.pdf_file("ket-qua.pdf"), kind=AttachmentKind.RESULT
            )
        ]
    if rng.random() < 0.85:
        d = services.approve(d, leader, attachments=attachments, now=clock.next())
    else:
        d = services.deny(
            d, leader, reason="Không đủ điều kiện", attachments=attachments, now=clock.next()
        )
    if rng.random() < 0.8:
        services.deliver(
            d,
            _receptionist(p, d),
            method=DeliveryMethod.COUNTER,
            delivered_to="Nguyễn Văn An",
            now=clock.next(),
        )


def build(p, *, dossiers: int = 120, days: int = 6, seed: int = 7) -> None:
    """About `dossiers` dossiers received over `days` days from f.T0."""
    rng = random.Random(seed)
    procedures = [p.procedure, p.commune_procedure]
    earlier: list = []  # counter attachments that later dossiers may re-use
    for i in range(dossiers):
        now = f.T0 + DAY * (i % days) + timedelta(minutes=7 * (i // days))
        channel = Channel.ONLINE if rng.random() < 0.55 else Channel.COUNTER
        procedure = procedures[i % 2]
        kind = rng.random()
        if kind < 0.6:
            _full_story(p, rng, now, channel=channel, procedure=procedure, earlier=earlier)
            continue
        if kind < 0.7:
            state = "refused"
        elif kind < 0.78 and channel == Channel.ONLINE:
            state = "withdrawn"
        elif kind < 0.85:
            state = "supplementing"
        elif kind < 0.9:
            state = "awaiting_payment"
        elif kind < 0.95 and channel == Channel.ONLINE:
            state = "submitted"
        else:
            state = "returned"
        f.dossier_in(
            p,
            state,
            channel=channel,
            procedure=procedure,
            now=now,
            applicant=_applicant(p, procedure),
        )
