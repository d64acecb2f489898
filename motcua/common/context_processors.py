from django.conf import settings


def site(request):
    return {"MOTCUA_BASE_URL": settings.MOTCUA_BASE_URL}
