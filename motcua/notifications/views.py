"""Staff page: the notifications of one dossier and their delivery status. Thin: visibility is
the back office's (an officer sees only the dossiers of their agencies)."""

from django.http import Http404
from django.views.decorators.http import require_GET

from motcua.backoffice import selectors as backoffice_selectors
from motcua.backoffice.access import staff_required
from motcua.backoffice.views import render_staff

from .models import Message


@require_GET
@staff_required
def dossier_messages(request, ref):
    dossier = backoffice_selectors.dossier_for(request.user, ref)
    if dossier is None:
        raise Http404
    rows = Message.objects.filter(dossier=dossier).order_by("created_at", "id")
    return render_staff(
        request,
        "notifications/dossier_messages.html",
        {"dossier": dossier, "ref": dossier.code or str(dossier.public_id), "rows": rows},
    )
