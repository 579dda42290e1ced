import asyncio
import contextlib
import sys
from pathlib import Path

import pytest
import uvicorn

from kentongan.dev.stack import free_port
from report_intake.main import create_app
from report_intake.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))  # media_samples, fake_clamd

MAX_BYTES = 3 * 1024 * 1024
MAX_FILES = 4


class FakeClamd:
    """A scanner speaking clamd's INSTREAM protocol over TCP; flags any stream holding the EICAR marker."""

    MARKER = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"

    def __init__(self) -> None:
        self.scanned = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        return f"127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.readuntil(b"\0") == b"zINSTREAM\0"
        data = bytearray()
        while size := int.from_bytes(await reader.readexactly(4), "big"):
            data += await reader.readexactly(size)
        self.scanned += 1
        writer.write(b"stream: Eicar-Signature FOUND\0" if self.MARKER in data else b"stream: OK\0")
        await writer.drain()
        writer.close()


@pytest.fixture(scope="module")
async def clamd():
    fake = FakeClamd()
    address = await fake.start()
    fake.address = address
    yield fake
    fake.server.close()


@pytest.fixture(scope="module")
def evidence_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("evidence")


@pytest.fixture(scope="module")
def evidence_settings(stack, evidence_dir, clamd, tmp_path_factory) -> Settings:
    return Settings(blob_dir=str(evidence_dir), attachment_max_bytes=MAX_BYTES,
                    attachment_max_files=MAX_FILES, clamd_address=clamd.address,
                    upload_tmp_dir=str(tmp_path_factory.mktemp("uploads")), uploads_per_token_per_hour=40)


@pytest.fixture(scope="module")
async def intake(serve, evidence_settings):
    """Report-intake in-process with the evidence store in a folder of the test (replaces the package's)."""
    app = create_app(evidence_settings)
    async with serve(app) as client:
        client.app = app
        yield client


@pytest.fixture(scope="module")
async def listening(intake):
    """The same app behind a real uvicorn socket (for a connection dropped mid-upload)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(intake.app, host="127.0.0.1", port=port, lifespan="off",
                                           log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield port
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture
async def case(submit, report_body, referral_id_for):
    """A bullying case referred to Disdik: (report id, case token, Disdik's referral id)."""
    report_id, token = await submit(report_body())
    return report_id, token, await referral_id_for("disdik", report_id)
