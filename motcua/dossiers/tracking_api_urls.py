# Public tracking endpoint of API v1 (filled by the tracking work).
urlpatterns = []
