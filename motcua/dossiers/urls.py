# Public dossier pages (tracking).
urlpatterns = []
