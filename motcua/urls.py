from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from motcua.api.views import healthz

admin.site.site_header = "Mộtcửa — Quản trị"
admin.site.site_title = "Mộtcửa"
admin.site.index_title = "Quản trị hệ thống"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("motcua.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("motcua.dossiers.urls")),
    path("", include("motcua.signing.urls")),
    path("", include("motcua.payments.urls")),
    path("", include("motcua.notifications.urls")),
    path("", include("motcua.metrics.urls")),
    path("can-bo/", include("motcua.backoffice.urls")),
    path("", include("motcua.portal.urls")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
