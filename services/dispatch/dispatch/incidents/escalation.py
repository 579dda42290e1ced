"""The escalation clock: unacknowledged incidents climb in priority until someone takes them."""

import asyncio

from fastapi import FastAPI

from dispatch import metrics
from dispatch.incidents import actions, repository
from kentongan.db import unit_of_work
from kentongan.events.incidents import ACTIVE_STATUSES


async def escalate_forever(app: FastAPI) -> None:
    settings = app.state.settings
    while True:
        async with unit_of_work(app.state.sessionmaker) as session:
            await actions.escalate_overdue(session, settings.escalate_after_s)
            counts = await repository.count_by_status(session)
        for status in ACTIVE_STATUSES:
            metrics.OPEN_INCIDENTS.labels(status).set(counts.get(status, 0))
        await asyncio.sleep(settings.escalation_check_interval_s)
