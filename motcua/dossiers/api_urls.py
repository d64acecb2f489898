# Dossier endpoints of API v1 (filled by the dossier API work).
urlpatterns = []
