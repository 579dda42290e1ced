"""The incidents API's live stream (server-sent events), see dispatch.incidents.stream."""

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Header, Request
from sse_starlette.sse import EventSourceResponse

from dispatch.incidents import PREFIX, stream
from kentongan.security import StreamOperator

router = APIRouter(prefix=PREFIX, tags=["incidents"])

SSE_EXAMPLE = ('event: ready\ndata: {"replayed": 0}\n\nid: 0192f0c4-6c1e-7d3a-9b7e-2f1d5c3a8e41\nevent: incident\n'
               'data: {"type": "kentongan.incident.opened", "alarm_id": "...", "incident": {"id": "...", ...}}\n\n')


@router.get("/stream", summary="Server-sent events: every incident change as it happens",
            response_class=EventSourceResponse,
            responses={200: {"description": "`incident` events ({type, alarm_id, incident})",
                             "content": {"text/event-stream": {"schema": {"type": "string"},
                                                               "example": SSE_EXAMPLE}}}})
async def stream_incidents(request: Request, operator: StreamOperator,
                           last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
                           ) -> EventSourceResponse:
    """`ready` first (`{"replayed": n}`), then an `incident` event per change (its id is the change's event id).
    An EventSource reconnects with `Last-Event-ID`: what changed meanwhile comes right after `ready`, each
    incident once as it is now; `{"replayed": null, "reload": true}` when that id is too old (reload the queue).
    The only endpoint taking its token as `?access_token=` (EventSource cannot send headers); the stream ends
    with an `expired` event when the token expires: reconnect with a fresh one."""
    missed = partial(stream.missed_changes, request.app.state.sessionmaker, last_event_id) if last_event_id else None
    subscription = request.app.state.broadcaster.subscribe(missed, until=operator.expires_at)
    return EventSourceResponse(subscription, ping=15)
