"""Test cameras for live video (tests, the benchmark; beside fakecam, dev tooling like it).

A live RTSP test camera: the H.264 clip of `kentongan.dev.fakecam`, looped forever at its frame rate and
served over RTSP, with RTP over UDP by `rtsp-rs` (a real RTSP server, which refuses TCP: its SETUP answers 461
to `interleaved=`), or interleaved in the RTSP connection (TCP) by `rtsp_tcp.InterleavedRtspServer`, which
refuses UDP. It can be stopped (the camera is lost)."""

import socket
import threading
import time
from pathlib import Path
from typing import Any, Literal, cast

import av
import rtsp

from kentongan.dev.fakecam import CLIP_NAME, FakeCamera, make_clip
from kentongan.dev.rtsp_tcp import InterleavedRtspServer, parameter_sets


def clip_packets(path: Path) -> tuple[list[bytes], float, tuple[int, int]]:
    """The clip's H.264 access units (Annex B, as MPEG-TS carries them), its frame rate and its size."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or 10)
        size = (stream.codec_context.width, stream.codec_context.height)
        return [bytes(packet) for packet in container.demux(stream) if packet.size], fps, size


class RtspCamera:
    """`rtsp://127.0.0.1:<port>/stream`, sending the clip's frames in real time until `stop()`, with RTP over
    `transport` only."""

    def __init__(self, clip: Path, transport: Literal["udp", "tcp"] = "udp") -> None:
        self.frames, self.fps, self.size = clip_packets(clip)
        self.port = _free_port()
        self.transport = transport
        address = f"127.0.0.1:{self.port}"
        self._server = rtsp.Server(address) if transport == "udp" else \
            InterleavedRtspServer(address, parameter_sets(self.frames))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, daemon=True)

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/stream"

    @property
    def viewers(self) -> int:
        """RTSP sessions playing now (the upstream connections the service holds)."""
        return len(self._server.get_viewers())

    def start(self) -> "RtspCamera":
        self._server.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._server.stop()

    def _pump(self) -> None:
        ticks = round(90_000 / self.fps)  # RTP's 90 kHz video clock
        started, index = time.monotonic(), 0
        while not self._stop.is_set():
            self._server.send_frame(self.frames[index % len(self.frames)], ticks)
            index += 1
            time.sleep(max(0.0, started + index / self.fps - time.monotonic()))


def make_rtsp_clip(folder: Path, **options: Any) -> Path:
    """An H.264 clip for RtspCamera (fakecam's generator: a scrolling gradient, a keyframe every `gop`)."""
    folder.mkdir(parents=True, exist_ok=True)
    return make_clip(folder / "rtsp.ts", **options)


def file_camera(folder: Path, codec: str) -> FakeCamera:
    """fakecam's HTTP camera serving a short MPEG-TS clip in another codec (what browsers cannot play)."""
    folder.mkdir(parents=True, exist_ok=True)
    with av.open(str(folder / CLIP_NAME), "w", format="mpegts") as container:
        stream = cast(av.VideoStream, container.add_stream(codec, rate=10))
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuvj420p" if codec == "mjpeg" else "yuv420p"
        for index in range(30):
            frame = av.VideoFrame(320, 180, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([index * 8 % 256]) * plane.buffer_size)
            frame.pts = index
            container.mux(stream.encode(frame.reformat(format=stream.pix_fmt)))
        container.mux(stream.encode(None))
    return FakeCamera(folder).start()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
