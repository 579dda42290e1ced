"""The incidents API over three concerns, each in its own module: reads (the queue and details), operator
actions, the live stream. The stream's fixed path comes before the `/{incident_id}` routes."""

from fastapi import APIRouter

from dispatch.incidents import action_routes, read_routes, stream_routes

router = APIRouter()
router.include_router(stream_routes.router)
router.include_router(read_routes.router)
router.include_router(action_routes.router)
