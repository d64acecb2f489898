"""`motcua verify-events`: every dossier's chain checked, tampering reported, exit code 1."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from motcua.cli import main as motcua_main
from motcua.dossiers.management.commands.verify_events import problems
from motcua.dossiers.models import Dossier, Event

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def p(db):
    yield from f.province_fixture()


@pytest.fixture
def dossiers(p):
    """Five dossiers with events and a draft without any (which is fine)."""
    made = [
        f.dossier_in(p, state, now=f.vn(2025, 10, 8, 8 + i))
        for i, state in enumerate(["returned", "processing", "refused", "stopped", "submitted"])
    ]
    made.append(f.dossier_in(p, "draft"))
    return made


def run(*args):
    out = io.StringIO()
    call_command("verify_events", *args, stdout=out)
    return out.getvalue()


def sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_clean_chains_pass(dossiers):
    output = run()
    assert "Đã kiểm tra 6 hồ sơ" in output
    assert list(problems()) == []


def test_tampered_row_is_reported_with_code_and_seq_and_exit_1(dossiers):
    target = dossiers[1]
    event = Event.objects.get(dossier=target, seq=3)
    sql(
        "UPDATE dossiers_event SET data = %s WHERE id = %s",
        ['{"effects": [], "agency": 999}', event.pk],
    )
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("verify_events", stdout=out)
    assert exc.value.returncode == 1
    assert "1/6 hồ sơ" in str(exc.value)
    lines = out.getvalue().strip().splitlines()
    assert lines == [f"{target.code}\tsự kiện 3\tcontent does not match its hash"]


def test_each_dossier_reports_its_first_broken_link_only(dossiers):
    first, second = dossiers[0], dossiers[3]
    # Two changes in one dossier: only the first is reported.
    for seq in (2, 4):
        sql(
            "UPDATE dossiers_event SET note = 'x' WHERE dossier_id = %s AND seq = %s",
            [first.pk, seq],
        )
    # A rewritten hash breaks the next link.
    sql(
        "UPDATE dossiers_event SET hash = %s WHERE dossier_id = %s AND seq = 1",
        ["0" * 64, second.pk],
    )
    found = {label: (seq, reason) for label, seq, reason in problems(chunk_size=2)}
    assert found == {
        first.code: (2, "content does not match its hash"),
        second.code: (1, "content does not match its hash"),
    }


def test_deleted_events_and_state_changed_behind_the_services_are_reported(dossiers):
    returned, processing, refused = dossiers[0], dossiers[1], dossiers[2]
    sql("DELETE FROM dossiers_event WHERE dossier_id = %s AND seq = 1", [returned.pk])
    sql("DELETE FROM dossiers_event WHERE dossier_id = %s", [refused.pk])
    Dossier.objects.filter(pk=processing.pk).update(state="decided")
    found = {label: (seq, str(reason)) for label, seq, reason in problems()}
    assert found[returned.code] == (2, "expected event 1, found 2")
    assert found[refused.code] == (None, "hồ sơ không có sự kiện nào")
    assert found[processing.code][0] == 3
    assert "decided" in found[processing.code][1]
    assert len(found) == 3


def test_code_option_limits_the_check(dossiers):
    sql("UPDATE dossiers_event SET note = 'x' WHERE dossier_id = %s", [dossiers[0].pk])
    assert "Đã kiểm tra 1 hồ sơ" in run("--code", dossiers[1].code)
    with pytest.raises(CommandError):
        run("--code", dossiers[0].code)


def test_the_motcua_cli_name(dossiers, capsys):
    assert motcua_main(["motcua", "verify-events"]) == 0
    assert "toàn vẹn" in capsys.readouterr().out
