import pytest

from motcua.dossiers.tests import factories as f


@pytest.fixture
def sms_file(settings, tmp_path):
    """Every test writes its SMS to its own file, read back with channels.sms_file.read_lines."""
    path = tmp_path / "sms.jsonl"
    settings.MOTCUA_SMS_ADAPTER = "file"
    settings.MOTCUA_SMS_FILE = str(path)
    settings.MOTCUA_SMS_DELAY = 0
    return path


@pytest.fixture
def p(db, sms_file):
    yield from f.province_fixture()
