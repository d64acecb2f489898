"""The online intake rows in the admin: listed for administrators, never edited by hand."""

import pytest
from django.contrib.auth import get_user_model

from motcua.dossiers.models import Submission


@pytest.mark.django_db
def test_admin_lists_submissions_read_only(client):
    admin_user = get_user_model().objects.create_superuser("quantri", password="x-12345678")
    row = Submission.objects.create(
        user=admin_user, request_hash="0" * 64, payload={"procedure": "1.000001"}
    )
    client.force_login(admin_user)
    listing = client.get("/admin/dossiers/submission/")
    assert listing.status_code == 200 and str(row.id) in listing.content.decode()
    assert client.get("/admin/dossiers/submission/add/").status_code == 403
    page = client.get(f"/admin/dossiers/submission/{row.id}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
