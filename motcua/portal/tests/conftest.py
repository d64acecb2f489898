import pytest
from django.core.cache import cache

from motcua.catalog import search
from motcua.dossiers.tests import factories as f


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    # Uploads go to a temporary directory; rate-limit counters live in the cache and the search
    # index in the process, both outliving each test's rollback.
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    search.invalidate_index()
    yield
    cache.clear()
    search.invalidate_index()


@pytest.fixture
def p(db):
    yield from f.province_fixture()


@pytest.fixture
def citizen_client(client, p):
    client.force_login(p.citizen)
    return client
