# Placeholder until the worktime app is written (same session).
from rest_framework.views import APIView


class DueDateView(APIView):
    pass


class CalendarView(APIView):
    pass
