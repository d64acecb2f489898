from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse


@never_cache
def healthz(request):
    """Liveness and readiness: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not ready"
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def root(request):
    """The entry point of API v1: links to its parts."""
    return Response(
        {
            "auth_token": reverse("api:auth-token", request=request),
            "due_date": reverse("api:worktime-due-date", request=request),
            "calendar": reverse("api:worktime-calendar", request=request),
            "procedures": reverse("api:procedure-list", request=request),
            "schema": reverse("schema", request=request),
            "docs": reverse("api-docs", request=request),
        }
    )


@extend_schema(
    tags=["auth"],
    summary="Tài khoản đang đăng nhập và vai trò theo cơ quan",
    responses=inline_serializer(
        "Me",
        {
            "username": serializers.CharField(),
            "full_name": serializers.CharField(),
            "is_staff": serializers.BooleanField(),
            "roles": inline_serializer(
                "MeRole",
                {
                    "role": serializers.CharField(),
                    "agency": serializers.CharField(),
                    "agency_name": serializers.CharField(),
                },
                many=True,
            ),
        },
    ),
)
@api_view(["GET"])
def me(request):
    """The authenticated user and their roles per agency."""
    user = request.user
    memberships = user.memberships.filter(is_active=True).select_related("agency")
    return Response(
        {
            "username": user.get_username(),
            "full_name": user.get_full_name(),
            "is_staff": user.is_staff,
            "roles": [
                {"role": m.role, "agency": m.agency.e_id, "agency_name": m.agency.name}
                for m in memberships
            ],
        }
    )


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Unknown API paths answer in the API's JSON error shape, not with an HTML page."""
    from django.http import Http404

    raise Http404
