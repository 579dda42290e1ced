"""Which incident an alarm joins: the nearest active alarm incident within the merge radius and window."""

from bisect import bisect_left, bisect_right
from datetime import datetime
from math import floor
from operator import attrgetter, itemgetter
from uuid import UUID

from dispatch.incidents.priority import more_urgent, priority_of
from dispatch.models import Incident
from kentongan.events.alarms import AlarmRaised
from kentongan.geo import METRES_PER_DEGREE_LAT, bounding_box, haversine_m


class Nearby:
    """The incidents a batch of alarms may join, including those the batch opens, ordered by latitude so
    each alarm looks only at its own band."""

    def __init__(self, incidents: list[Incident]) -> None:
        self._incidents = sorted((i for i in incidents if i.source == "alarm"), key=attrgetter("lat"))
        self._lats = [incident.lat for incident in self._incidents]
        self.opened: list[Incident] = []
        self._joined: dict[UUID, Incident] = {}

    def open(self, incident: Incident) -> None:
        """A new incident, which later alarms of the batch may join."""
        self.opened.append(incident)
        at = bisect_right(self._lats, incident.lat)
        self._lats.insert(at, incident.lat)
        self._incidents.insert(at, incident)

    def join(self, incident: Incident, alarm: AlarmRaised) -> None:
        """The incident takes on the alarm (see `merge`)."""
        merge(incident, alarm)
        self._joined[incident.id] = incident

    def merged(self) -> list[Incident]:
        """The incidents found (not opened by this batch) that took on alarms."""
        opened = {incident.id for incident in self.opened}
        return [incident for incident in self._joined.values() if incident.id not in opened]

    def nearest(self, lat: float, lon: float, radius_m: float, since: datetime) -> Incident | None:
        """The closest one within the radius with an alarm since `since`, if any."""
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
        band = self._incidents[bisect_left(self._lats, min_lat):bisect_right(self._lats, max_lat)]
        scored = [(haversine_m(lat, lon, c.lat, c.lon), c) for c in band
                  if min_lon <= c.lon <= max_lon and c.last_alarm_at >= since]
        scored = [(distance, c) for distance, c in scored if distance <= radius_m]
        return min(scored, key=itemgetter(0))[1] if scored else None


def merge_cells(places: list[tuple[float, float]], radius_m: float) -> list[tuple[int, int]]:
    """The grid cells (one merge radius of latitude on a side) that the merge radius around any of the places
    touches, sorted. Two alarms close enough to merge each touch the other's cell, so transactions that lock
    their cells (in this order) decide such alarms one after the other, while alarms elsewhere in the city
    are decided at the same time by other replicas."""
    cell = radius_m / METRES_PER_DEGREE_LAT
    cells = set()
    for lat, lon in places:
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
        for row in range(floor(min_lat / cell), floor(max_lat / cell) + 1):
            for col in range(floor(min_lon / cell), floor(max_lon / cell) + 1):
                cells.add((row, col))
    return sorted(cells)


def merge(incident: Incident, alarm: AlarmRaised) -> None:
    """The incident takes on the alarm: the more urgent category and priority, the latest alarm time."""
    incident.category = more_urgent(incident.category, alarm.category)
    incident.priority = max(incident.priority, priority_of(alarm.category, alarm.silent))
    incident.silent = incident.silent or alarm.silent
    incident.last_alarm_at = max(incident.last_alarm_at, alarm.raised_at)
