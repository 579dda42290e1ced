import itertools
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from dispatch.main import create_app
from kentongan.bus_crypto import BusKeyring
from kentongan.events import Envelope
from kentongan.events.alarms import AlarmRaised


@pytest.fixture(scope="module")
async def dispatch_app(serve):
    """Dispatch in-process, one per module: an app living the whole session would stay in the service's
    consumer group while the cross-service tests run the real process, holding partitions whenever a
    synchronous test blocks the event loop."""
    app = create_app()
    async with serve(app) as client:
        client.app = app
        yield client


@pytest.fixture
def raise_alarm(dispatch_app):
    """Feed an AlarmRaised event through dispatch's own handler, as the consumer would; returns the incident."""
    from dispatch.consumers import event_handlers
    from kentongan.db import unit_of_work

    app = dispatch_app.app
    handler = event_handlers(app.state.settings)[AlarmRaised.ce_type]

    async def feed(lat=-6.99, lon=110.42, category="crime", silent=False, note=None, at=None) -> AlarmRaised:
        alarm_id = uuid4()
        # The note as alarm-gateway sends it: sealed with the bus keyring.
        sealed = note and BusKeyring.from_settings(app.state.settings).seal(AlarmRaised, alarm_id, "note", note)
        alarm = AlarmRaised(alarm_id=alarm_id, device_id=uuid4(), category=category, lat=lat, lon=lon,
                            accuracy_m=10, silent=silent, note=sealed, raised_at=at or datetime.now(UTC))
        async with unit_of_work(app.state.sessionmaker) as session:
            await handler(session, Envelope.wrap(alarm, "/test"))
        return alarm

    return feed


@pytest.fixture(scope="session")
def unique_place():
    """A coordinate in Semarang no other test uses, so merging never joins another test's incident (random
    points met within the merge radius now and then): a grid ~770 m apart east-west and 3.3 km north-south,
    as tests add up to ~1.1 km northwards for "far away"; north of the cross-service tests' grid."""
    taken = itertools.count()

    def place() -> tuple[float, float]:
        row, col = divmod(next(taken), 25)
        return -7.04 + row * 0.03, 110.30 + col * 0.007

    return place
