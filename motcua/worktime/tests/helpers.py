from datetime import datetime

from motcua.worktime.deadlines import VN_TZ


def vn(*args) -> datetime:
    """An instant in Hanoi time: vn(2025, 1, 24, 9) is 24/01/2025 09:00 +07:00."""
    return datetime(*args, tzinfo=VN_TZ)
