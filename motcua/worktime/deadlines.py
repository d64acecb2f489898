"""Deadline arithmetic on the civil-service calendar (domain.md §4). Pure: no Django, no I/O.

Model. Working time is a monotone "odometer" W(t): the working microseconds elapsed from a fixed
origin (0001-01-01) up to the instant t. It is computed in O(log n) from the weekly pattern plus two
sorted lists of exceptions (days off that fall on pattern days, extra working days that don't), so
a deadline 500 working days away costs the same as one an hour away. Then:

- working time between a and b is W(b) - W(a);
- adding h working hours to s is the *earliest* instant t with W(t) = W(s) + h, which is why a due
  time can land exactly at a session end (Thursday 07:30 + 1 day -> Thursday 17:00) and never at a
  session start;
- a pause (the clock stopped while supplements are awaited) is the interval [W(a), W(b)] in the same
  odometer; it is skipped while adding, so the due time moves by exactly the paused working time.

Amounts are exact: integer microseconds, converted from int, Decimal, Fraction or decimal strings
(floats through their shortest decimal form), rounded half up to the microsecond.

Times are wall-clock times in the calendar's zone (Asia/Ho_Chi_Minh, no daylight saving since
1975). Inputs may be aware datetimes in any zone; outputs are in the calendar's zone.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
#: ISO weekdays (1 = Monday … 7 = Sunday).
DEFAULT_WEEKDAYS = frozenset({1, 2, 3, 4, 5})
DEFAULT_SESSIONS = ((time(7, 30), time(11, 30)), (time(13, 0), time(17, 0)))

US_PER_SECOND = 1_000_000
US_PER_HOUR = 3600 * US_PER_SECOND
_MAX_ORDINAL = date.max.toordinal()

Pause = tuple[datetime, datetime]
Amount = int | Decimal | Fraction | str | float


def _time_us(value: time) -> int:
    return (
        (value.hour * 60 + value.minute) * 60 + value.second
    ) * US_PER_SECOND + value.microsecond


def sessions_error(sessions: Iterable[tuple[time, time]]) -> str | None:
    """Why `sessions` is not a valid working day, as a code, or None if it is valid.

    Codes: "empty", "empty_session" (start >= end), "not_ordered", "overlap".
    Touching sessions (11:30-11:30) are allowed.
    """
    sessions = list(sessions)
    if not sessions:
        return "empty"
    for start, end in sessions:
        if start >= end:
            return "empty_session"
    for (start1, end1), (start2, _end2) in zip(sessions, sessions[1:], strict=False):
        if start2 < start1:
            return "not_ordered"
        if start2 < end1:
            return "overlap"
    return None


@dataclass(frozen=True)
class WorkCalendar:
    """A working week, its daily sessions and the exceptions of the official calendar.

    `days_off` are holidays and swapped days off; `extra_working_days` are make-up working days
    (e.g. a Saturday). A date may not be in both. Sessions are the same on every working day.
    """

    weekdays: frozenset[int] = DEFAULT_WEEKDAYS
    sessions: tuple[tuple[time, time], ...] = DEFAULT_SESSIONS
    days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    tz: ZoneInfo = VN_TZ

    def __post_init__(self):
        set_ = object.__setattr__  # frozen: normalise and precompute once
        set_(self, "weekdays", frozenset(self.weekdays))
        set_(self, "sessions", tuple((s, e) for s, e in self.sessions))
        set_(self, "days_off", frozenset(self.days_off))
        set_(self, "extra_working_days", frozenset(self.extra_working_days))
        if not self.weekdays or not self.weekdays <= {1, 2, 3, 4, 5, 6, 7}:
            raise ValueError("weekdays must be a non-empty set of ISO weekdays 1..7")
        problem = sessions_error(self.sessions)
        if problem:
            raise ValueError(f"invalid sessions: {problem}")
        for start, end in self.sessions:
            if start.tzinfo or end.tzinfo:
                raise ValueError("session times are wall-clock times without a zone")
        both = self.days_off & self.extra_working_days
        if both:
            raise ValueError(f"dates both off and working: {sorted(both)}")

        spans, cumulative = [], 0
        for start, end in self.sessions:
            s_us, e_us = _time_us(start), _time_us(end)
            spans.append((s_us, e_us, cumulative))
            cumulative += e_us - s_us
        set_(self, "_spans", tuple(spans))
        set_(self, "_day_us", cumulative)
        # Ordinal 1 (0001-01-01) is a Monday, so ordinal o has weekday index (o - 1) % 7.
        pattern = tuple(i for i in range(7) if i + 1 in self.weekdays)
        set_(self, "_pattern", pattern)
        set_(self, "_prefix", tuple(sum(1 for i in pattern if i < r) for r in range(8)))
        set_(self, "_off", frozenset(d.toordinal() for d in self.days_off))
        set_(self, "_extra", frozenset(d.toordinal() for d in self.extra_working_days))
        set_(self, "_off_exc", sorted(o for o in self._off if self._in_pattern(o)))
        set_(self, "_extra_exc", sorted(o for o in self._extra if not self._in_pattern(o)))

    @property
    def day_length(self) -> timedelta:
        """The working time of one working day (the sum of the sessions)."""
        return timedelta(microseconds=self._day_us)

    # --- days, by proleptic ordinal -------------------------------------------------------------

    def _in_pattern(self, o: int) -> bool:
        return (o - 1) % 7 + 1 in self.weekdays

    def _is_working(self, o: int) -> bool:
        if o in self._extra:
            return True
        return (o - 1) % 7 + 1 in self.weekdays and o not in self._off

    def _count(self, o: int) -> int:
        """The number of working days with an ordinal < o (from ordinal 1)."""
        weeks, rest = divmod(o - 1, 7)
        return (
            weeks * len(self._pattern)
            + self._prefix[rest]
            - bisect.bisect_left(self._off_exc, o)
            + bisect.bisect_left(self._extra_exc, o)
        )

    def _nth(self, n: int) -> int:
        """The ordinal of the working day with index n (0-based: `_count(result) == n`)."""
        k = len(self._pattern)
        # Estimate from the weekly pattern, shifted once by the exceptions before the estimate.
        q, r = divmod(n, k)
        guess = 1 + 7 * q + self._pattern[r]
        shift = bisect.bisect_left(self._off_exc, guess) - bisect.bisect_left(
            self._extra_exc, guess
        )
        q, r = divmod(max(n + shift, 0), k)
        guess = 1 + 7 * q + self._pattern[r]
        # The answer is the smallest o with _count(o + 1) > n: bracket it, then bisect.
        step = 8
        if self._count(guess + 1) > n:
            hi, lo = guess, guess - step
            while lo > 0 and self._count(lo + 1) > n:
                hi, step = lo, step * 2
                lo = hi - step
            lo = max(lo, 0)
        else:
            lo, hi = guess, guess + step
            while self._count(hi + 1) <= n:
                lo, step = hi, step * 2
                hi = lo + step
                if lo > _MAX_ORDINAL:
                    raise OverflowError("due time beyond the year 9999")
        while hi - lo > 1:  # invariant: _count(lo + 1) <= n < _count(hi + 1)
            mid = (lo + hi) // 2
            if self._count(mid + 1) > n:
                hi = mid
            else:
                lo = mid
        if hi > _MAX_ORDINAL:
            raise OverflowError("due time beyond the year 9999")
        return hi

    def _next_working_day(self, o: int) -> int:
        """The first working day strictly after ordinal o."""
        return self._nth(self._count(o + 1))

    # --- the odometer ------------------------------------------------------------------------------

    def _odometer(self, o: int, offset: int) -> int:
        """W: working microseconds from the origin to (day o, offset µs after midnight)."""
        total = self._count(o) * self._day_us
        if self._is_working(o):
            for start, end, before in self._spans:
                if offset < end:
                    return total + before + max(0, offset - start)
            return total + self._day_us
        return total

    def _at_odometer(self, value: int) -> tuple[int, int]:
        """The earliest (day, offset) at which W reaches `value` (> 0)."""
        days, rest = divmod(value, self._day_us)
        if rest == 0:  # exactly a whole number of days: the end of the last session
            return self._nth(days - 1), self._spans[-1][1]
        o = self._nth(days)
        for start, end, before in self._spans:
            if rest <= before + (end - start):
                return o, start + rest - before
        raise AssertionError("unreachable: rest < day length")

    def _local(self, instant: datetime) -> tuple[int, int]:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("expected an aware datetime")
        local = instant.astimezone(self.tz)
        return local.toordinal(), _time_us(local.time())

    def _instant(self, o: int, offset: int) -> datetime:
        return datetime.fromordinal(o).replace(tzinfo=self.tz) + timedelta(microseconds=offset)

    def _paused(self, pauses: Iterable[Pause]) -> list[tuple[int, int]]:
        """Pauses as merged, sorted odometer intervals."""
        intervals = []
        for begin, end in pauses:
            if end < begin:
                raise ValueError("a pause ends before it begins")
            intervals.append(
                (self._odometer(*self._local(begin)), self._odometer(*self._local(end)))
            )
        intervals.sort()
        merged: list[tuple[int, int]] = []
        for begin, end in intervals:
            if merged and begin <= merged[-1][1]:
                if end > merged[-1][1]:
                    merged[-1] = (merged[-1][0], end)
            elif end > begin:
                merged.append((begin, end))
        return merged


# --- amounts ----------------------------------------------------------------------------------


def _exact(value: Amount, what: str) -> Fraction:
    if isinstance(value, bool):
        raise TypeError(f"{what} must be a number, not a bool")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{what} must be finite")
        value = Decimal(repr(value))  # 0.1 means one tenth, not the nearest binary fraction
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"{what} must be finite")
    try:
        exact = Fraction(value)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"{what} is not a number: {value!r}") from exc
    if exact < 0:
        raise ValueError(f"{what} must not be negative")
    return exact


def _round_us(value: Fraction) -> int:
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)  # half up


def _timedelta_us(value: timedelta) -> int:
    return (value.days * 86400 + value.seconds) * US_PER_SECOND + value.microseconds


# --- the public functions ---------------------------------------------------------------------


def is_working_day(cal: WorkCalendar, day: date) -> bool:
    """True if `day` is a working day: a pattern weekday not off, or a make-up working day."""
    return cal._is_working(day.toordinal())


def next_working_start(cal: WorkCalendar, instant: datetime) -> datetime:
    """`instant` itself if it is inside a session of a working day, else the next session start.

    Sessions are half-open here: at 17:00 the counter is closed, so 17:00 gives tomorrow's start.
    """
    o, offset = cal._local(instant)
    if cal._is_working(o):
        for start, end, _before in cal._spans:
            if offset < end:
                return instant.astimezone(cal.tz) if offset >= start else cal._instant(o, start)
    return cal._instant(cal._next_working_day(o), cal._spans[0][0])


def clock_start(cal: WorkCalendar, received_at: datetime, cutoff: time | None = None) -> datetime:
    """The instant the clock starts for a receipt at `received_at`.

    The next working start (the instant itself inside a session); with a `cutoff`, a receipt on a
    working day strictly after it counts from the next working day's first session.
    """
    if cutoff is not None:
        o, offset = cal._local(received_at)
        if cal._is_working(o) and offset > _time_us(cutoff):
            return cal._instant(cal._next_working_day(o), cal._spans[0][0])
    return next_working_start(cal, received_at)


def _settle(cal: WorkCalendar, instant: datetime) -> datetime:
    """Like next_working_start, but a session end counts as working time (adding zero)."""
    o, offset = cal._local(instant)
    if cal._is_working(o):
        for start, end, _before in cal._spans:
            if offset <= end:
                return instant.astimezone(cal.tz) if offset >= start else cal._instant(o, start)
    return cal._instant(cal._next_working_day(o), cal._spans[0][0])


def add_working_time(
    cal: WorkCalendar, start: datetime, amount: timedelta, pauses: Iterable[Pause] = ()
) -> datetime:
    """The due time: `amount` of working time counted from `start`, skipping `pauses`.

    Zero gives `start` if it is working time (a session end included), else the next start.
    """
    amount_us = _timedelta_us(amount)
    if amount_us < 0:
        raise ValueError("the amount of working time must not be negative")
    return _add(cal, start, amount_us, pauses)


def _add(cal: WorkCalendar, start: datetime, amount_us: int, pauses: Iterable[Pause]) -> datetime:
    if amount_us == 0:
        return _settle(cal, start)
    current = cal._odometer(*cal._local(start))
    remaining = amount_us
    for begin, end in cal._paused(pauses):
        if end <= current:
            continue
        if begin > current:
            if remaining <= begin - current:
                break
            remaining -= begin - current
        current = max(current, end)
    return cal._instant(*cal._at_odometer(current + remaining))


def add_working_hours(
    cal: WorkCalendar, start: datetime, hours: Amount, pauses: Iterable[Pause] = ()
) -> datetime:
    """The due time of a limit of `hours` working hours (fractions allowed) received at `start`."""
    return _add(cal, start, _round_us(_exact(hours, "hours") * US_PER_HOUR), pauses)


def add_working_days(
    cal: WorkCalendar,
    start: datetime,
    days: Amount,
    pauses: Iterable[Pause] = (),
    cutoff: time | None = None,
) -> datetime:
    """The due time of a limit of `days` working days received at `start`.

    N days are N × the length of a working day (8 h by default) of working time. With a `cutoff`
    (e.g. 15:00), a receipt on a working day strictly after it counts from the next working day.
    """
    amount_us = _round_us(_exact(days, "days") * cal._day_us)
    if cutoff is not None:
        start = clock_start(cal, start, cutoff)
    return _add(cal, start, amount_us, pauses)


def working_time_between(
    cal: WorkCalendar, a: datetime, b: datetime, pauses: Iterable[Pause] = ()
) -> timedelta:
    """The working time from `a` to `b`, minus the working time inside `pauses`.

    Negative if `b` is before `a`.
    """
    if b < a:
        return -working_time_between(cal, b, a, pauses)
    low, high = cal._odometer(*cal._local(a)), cal._odometer(*cal._local(b))
    total = high - low
    for begin, end in cal._paused(pauses):
        total -= max(0, min(end, high) - max(begin, low))
    return timedelta(microseconds=total)


def end_of_working_day(
    cal: WorkCalendar, instant: datetime, cutoff: time | None = None
) -> datetime:
    """The close of the working day on which a receipt at `instant` starts counting.

    For limits of "within the day": received outside working time (or after the cutoff) the day
    is the next working day.
    """
    o, offset = cal._local(instant)
    if not cal._is_working(o) or offset >= cal._spans[-1][1]:
        o = cal._next_working_day(o)
    elif cutoff is not None and offset > _time_us(cutoff):
        o = cal._next_working_day(o)
    return cal._instant(o, cal._spans[-1][1])
