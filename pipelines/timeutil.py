"""Local time to UTC, strict about daylight-saving changes.

Users type manual transactions in their account's local time. At a DST change some local times
never happen (spring forward) and some happen twice (fall back); guessing would shift a trade by an
hour, which changes a tax result, so such times are rejected unless the user says which one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipelines.errors import UserError


def zone(name: str) -> ZoneInfo:
    """The IANA zone, or a clear error for a name that is not one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"invalid time zone {name!r}: use an IANA name such as Europe/Vienna") from None


class AmbiguousLocalTime(UserError):
    """A local time that happens twice (clocks go back at a DST change); `earlier` and `later` are its
    two UTC times. The message says no more: each caller names its own way to choose (an option, an
    offset in the file)."""

    def __init__(self, local: datetime, tz_name: str, earlier: datetime, later: datetime) -> None:
        super().__init__(f"{local:%Y-%m-%d %H:%M:%S} happens twice in {tz_name} (clocks go back at a DST change)")
        self.earlier, self.later = earlier, later


def local_to_utc(local: datetime, tz_name: str, fold: int | None = None) -> datetime:
    """Naive UTC datetime for a naive local time in `tz_name`.

    `fold` picks the occurrence of an ambiguous time (0 = the earlier, 1 = the later), as in PEP 495.
    """
    tz = zone(tz_name)
    candidates = {
        f: local.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1)
    }
    # A local time exists when converting back gives the same wall-clock time.
    valid = {f: u for f, u in candidates.items() if u.astimezone(tz).replace(tzinfo=None) == local}
    if not valid:
        raise UserError(
            f"{local:%Y-%m-%d %H:%M:%S} does not exist in {tz_name} (clocks jump forward at a DST change)"
        )
    if len(set(valid.values())) > 1:
        if fold is None:
            raise AmbiguousLocalTime(local, tz_name, *sorted(valid.values()))
        return valid[fold].replace(tzinfo=None)
    return next(iter(valid.values())).replace(tzinfo=None)


def utc_now(*, whole_seconds: bool = True) -> datetime:
    """Current time as naive UTC (the warehouse stores naive UTC timestamps): in whole seconds, as
    people read them, or to the microsecond where the time orders events (a fetch, a migration)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=0) if whole_seconds else now


EARLIEST = datetime(2009, 1, 3)  # the Bitcoin genesis block: nothing crypto happened before
FUTURE_SLACK = timedelta(days=1)
