"""The malware-scan hook: ClamAV's clamd over TCP (the INSTREAM command), when REPORT_INTAKE_CLAMD_ADDRESS is
set. A file it flags is quarantined: never stored, never shown to an agency. A scanner that is configured but
unreachable refuses the upload (503) rather than letting an unscanned file through."""

import asyncio
import logging
from pathlib import Path

from kentongan.errors import ServiceUnavailable

log = logging.getLogger(__name__)

CHUNK = 64 * 1024


class ScannerUnavailable(ServiceUnavailable):
    """The malware scanner did not answer; nothing was stored, retry shortly."""

    error = "scanner_unavailable"


class ClamdScanner:
    def __init__(self, address: str, timeout_s: float) -> None:
        host, _, port = address.rpartition(":")
        self._host, self._port, self._timeout_s = host.strip("[]"), int(port), timeout_s

    async def scan(self, path: Path) -> str | None:
        """The signature clamd found in the file, or None when it is clean."""
        try:
            answer = await asyncio.wait_for(self._instream(path), self._timeout_s)
        except (OSError, TimeoutError) as exc:
            log.error("clamd at %s:%s unreachable: %r", self._host, self._port, exc)
            raise ScannerUnavailable("the malware scanner is unavailable; retry") from None
        verdict = answer.decode(errors="replace").strip("\0\n ")
        if verdict.endswith(" FOUND"):
            return verdict.removeprefix("stream:").removesuffix(" FOUND").strip()
        if verdict.endswith(" OK"):
            return None
        log.error("clamd answered %r", verdict[:200])
        raise ScannerUnavailable("the malware scanner could not scan the file; retry")

    async def _instream(self, path: Path) -> bytes:
        reader, writer = await asyncio.open_connection(self._host, self._port)
        try:
            writer.write(b"zINSTREAM\0")
            handle = await asyncio.to_thread(path.open, "rb")
            with handle:
                while chunk := await asyncio.to_thread(handle.read, CHUNK):
                    writer.write(len(chunk).to_bytes(4, "big") + chunk)
                    await writer.drain()
            writer.write(b"\0\0\0\0")
            await writer.drain()
            return await reader.readuntil(b"\0")
        finally:
            writer.close()
