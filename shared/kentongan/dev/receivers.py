"""Local HTTP receivers for tests and benchmarks: serve a plain ASGI callable on 127.0.0.1 and read bodies."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

Receive = Callable[[], Awaitable[dict[str, Any]]]


async def read_body(receive: Receive) -> bytes:
    """The whole body of an ASGI HTTP request."""
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def disconnected_within(receive: Receive, delay_s: float) -> bool:
    """Wait `delay_s` (a slow endpoint), or less if the client goes away first (then True)."""
    try:
        message = await asyncio.wait_for(receive(), delay_s)
        return bool(message["type"] == "http.disconnect")
    except TimeoutError:
        return False


@asynccontextmanager
async def serving(app: Any, port: int, **config: Any) -> AsyncIterator[uvicorn.Server]:
    """`app` listening on 127.0.0.1:`port` for the duration of the block (uvicorn, access log off)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                                           timeout_graceful_shutdown=1, **config))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # the server could not start: say why
            raise RuntimeError(f"receiver on port {port} stopped while starting")
        await asyncio.sleep(0.05)
    try:
        yield server
    finally:
        server.should_exit = True
        await asyncio.wait([task], timeout=5)
