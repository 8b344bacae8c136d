"""When things happen in the demo, and how keen each perangkat daerah is.

The demo campaign opened OPENED_DAYS_AGO days ago with an apel (the heads sign in front of the
regional head that morning); every Monday after it there is the weekly apel pagi, where the unit
heads remind their people. So activity is not flat: it grows over the weeks, surges on the day of
an apel and the two days after, and is quiet at weekends; times fall in office hours in the
instansi's zone. ``Pace.moment`` draws such a time.

Each SKPD gets a ``drive`` (0..1): about a quarter of them far ahead, about a third behind, the
rest in between. The seeders use it as the chance of each step (activating the account, finishing
the reading, signing the pakta), so the shares fully done differ a lot between SKPDs — what the
rekap dashboard is for. Everything comes from the seeded ``random.Random``: the same seed gives the
same picture (relative to today).
"""
from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from zoneinfo import ZoneInfo

from ..db import utcnow
from ..org.models import Instansi

#: the campaign (and the course assignment) opened this many days before today
OPENED_DAYS_AGO = 42
#: the weekly apel pagi (Monday)
APEL_WEEKDAY = 0
#: activity on an apel day and the days after it, times the ordinary
APEL_SURGE = (3.0, 2.2, 1.5)
WEEKEND = 0.15
#: share of SKPDs ahead / behind, and their drive ranges
AHEAD, BEHIND = 0.25, 0.3
DRIVE_AHEAD, DRIVE_MIDDLE, DRIVE_BEHIND = (0.88, 0.97), (0.5, 0.72), (0.15, 0.4)
#: office hours (local), as minutes after midnight
OFFICE = (7 * 60 + 30, 16 * 60)


def drives(rng: random.Random, skpd_ids: Iterable[int]) -> dict[int, float]:
    ids = sorted(skpd_ids)
    order = ids[:]
    rng.shuffle(order)
    ahead = max(1, round(len(order) * AHEAD)) if order else 0
    behind = max(1, round(len(order) * BEHIND)) if len(order) > 1 else 0
    result: dict[int, float] = {}
    for position, skpd_id in enumerate(order):
        span = DRIVE_AHEAD if position < ahead else DRIVE_BEHIND if position >= len(order) - behind else DRIVE_MIDDLE
        result[skpd_id] = rng.uniform(*span)
    return result


@dataclass
class Pace:
    zone: ZoneInfo
    #: the campaign's first day (local) and now (UTC)
    opened_on: dt.date
    now: dt.datetime
    drive: dict[int, float]
    days: list[dt.date] = field(default_factory=list)
    cumulative: list[float] = field(default_factory=list)

    @classmethod
    def build(cls, rng: random.Random, instansi: Instansi, skpd_ids: Iterable[int],
              now: dt.datetime | None = None) -> Pace:
        zone = ZoneInfo(instansi.timezone.iana)
        now = now or utcnow()
        today = now.astimezone(zone).date()
        pace = cls(zone, today - dt.timedelta(days=OPENED_DAYS_AGO), now, drives(rng, skpd_ids))
        pace.days = [pace.opened_on + dt.timedelta(days=i) for i in range(OPENED_DAYS_AGO + 1)]
        pace.cumulative = list(accumulate(pace.weight(day) for day in pace.days))
        return pace

    @property
    def apel_days(self) -> list[dt.date]:
        """The opening apel and the Monday apel pagi since."""
        return [d for d in self.days if d == self.opened_on or d.weekday() == APEL_WEEKDAY]

    def weight(self, day: dt.date) -> float:
        index = (day - self.opened_on).days
        weight = 0.4 + 1.6 * index / OPENED_DAYS_AGO  # the campaign gathers pace
        apel = self.apel_days
        for lag, surge in enumerate(APEL_SURGE):
            if day - dt.timedelta(days=lag) in apel:
                weight *= surge
                break
        if day.weekday() >= 5:
            weight *= WEEKEND
        return weight

    def opening(self, rng: random.Random, hours: tuple[float, float] = (8.0, 12.0)) -> dt.datetime:
        """A time on the opening day, during and after the apel (the heads sign there)."""
        minutes = rng.uniform(hours[0] * 60, hours[1] * 60)
        local = dt.datetime.combine(self.opened_on, dt.time(), tzinfo=self.zone) + dt.timedelta(minutes=minutes)
        return min(local.astimezone(dt.timezone.utc), self.now - dt.timedelta(minutes=30))

    def moment(self, rng: random.Random, after: dt.datetime | None = None) -> dt.datetime:
        """A time in office hours on a day drawn by weight, not before ``after`` (when given) and
        at least a few minutes before now."""
        latest = self.now - dt.timedelta(minutes=30)
        first = 0
        if after is not None:
            first = max(0, min(len(self.days) - 1, (after.astimezone(self.zone).date() - self.opened_on).days))
        low = self.cumulative[first - 1] if first else 0.0
        pick = low + rng.random() * (self.cumulative[-1] - low)
        day = self.days[min(bisect.bisect_left(self.cumulative, pick), len(self.days) - 1)]
        minutes = rng.uniform(*OFFICE)
        local = dt.datetime.combine(day, dt.time(), tzinfo=self.zone) + dt.timedelta(minutes=minutes)
        moment = local.astimezone(dt.timezone.utc)
        if after is not None and moment <= after:
            moment = after + dt.timedelta(minutes=rng.uniform(5, 180))
        if moment > latest:
            start = max(after or latest - dt.timedelta(hours=8), latest - dt.timedelta(hours=8))
            moment = start + (latest - start) * rng.random() if start < latest else latest
        return moment
