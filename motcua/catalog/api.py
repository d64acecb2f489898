# Placeholder until the catalog app is written (same session).
from rest_framework.views import APIView


class ProcedureListView(APIView):
    pass
