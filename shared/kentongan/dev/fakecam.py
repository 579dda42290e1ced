"""Fake cameras for tests, the benchmark and local demos: an H.264 clip made with PyAV, served over HTTP.

A camera is an MPEG-TS file on a loopback HTTP server (what many encoders and NVRs expose as an HTTP stream).
It can be stopped and started again on the same port, or made to hang: accept the connection, never answer.
"""

import contextlib
import random
import socket
import threading
from fractions import Fraction
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import av

from kentongan.dev.stack import free_port

CLIP_NAME = "stream.ts"


def make_clip(path: Path, *, width: int = 320, height: int = 180, seconds: float = 2.0, fps: int = 10,
              gop: int = 5, detail: int = 0, preset: str = "ultrafast") -> Path:
    """Write an H.264 MPEG-TS clip of a moving gradient (a keyframe every `gop` frames); `detail` 0..255 adds
    that much fixed noise, so keyframes cost about what a real street scene costs to decode."""
    with av.open(str(path), "w", format="mpegts") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = gop
        stream.codec_context.time_base = Fraction(1, fps)
        stream.options = {"preset": preset, "tune": "zerolatency", "keyint_min": str(gop), "sc_threshold": "0"}
        scene = _scene(width, height, detail)
        for index in range(int(seconds * fps)):
            frame = _pattern(width, height, index, scene)
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _scene(width: int, height: int, detail: int) -> bytes:
    """A grey gradient with `detail` levels of fixed noise, computed once per clip."""
    rng = random.Random(detail)  # noqa: S311 # test picture noise
    row = [x * 255 // width for x in range(width)]
    if not detail:
        return bytes(row) * height
    return bytes((row[i % width] + rng.randrange(detail)) & 0xFF for i in range(width * height))


def _pattern(width: int, height: int, index: int, scene: bytes) -> av.VideoFrame:
    """The scene scrolled down by two rows a frame, so consecutive frames differ (motion)."""
    frame = av.VideoFrame(width, height, "gray")
    plane = frame.planes[0]
    shift = (index * 2 % height) * width
    pixels = scene[-shift:] + scene[:-shift] if shift else scene
    padding = bytes(plane.line_size - width)
    plane.update(b"".join(pixels[y * width:(y + 1) * width] + padding for y in range(height)))
    return frame.reformat(format="yuv420p")


class FakeCamera:
    """An HTTP camera on 127.0.0.1 serving one clip; `stop()`, `start()` and `hang()` for failure tests."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self._server: ThreadingHTTPServer | None = None
        self._hung: socket.socket | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{CLIP_NAME}"

    def start(self) -> "FakeCamera":
        self._release_hang()
        handler = partial(_QuietHandler, directory=str(self.folder))
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """The camera dies: connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self._release_hang()

    def hang(self) -> None:
        """The camera hangs: the port accepts TCP connections (kernel backlog) but never answers."""
        self.stop()
        self._hung = socket.socket()
        self._hung.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._hung.bind(("127.0.0.1", self.port))
        self._hung.listen(64)

    def _release_hang(self) -> None:
        if self._hung is not None:
            self._hung.close()
            self._hung = None


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any, **kwargs: Any) -> None:  # one line per request would drown the test output
        pass

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError, OSError):  # the reader closes early once it has its keyframe
            super().handle()


def serve_clip(folder: Path, **clip_options: Any) -> FakeCamera:
    """A started fake camera over a fresh clip in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    make_clip(folder / CLIP_NAME, **clip_options)
    return FakeCamera(folder).start()
