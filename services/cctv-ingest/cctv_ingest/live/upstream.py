"""One camera's live upstream, read with PyAV in a thread of its own (FFmpeg blocks).

H.264 cameras are remuxed without re-encoding into fragmented MP4 (`ftyp`/`moov` once, then one
`moof`/`mdat` fragment per frame, a new GOP's first fragment starting at its keyframe), which Chromium plays in
a plain <video>. A fragment per frame leaves the muxer one frame after it came in; a fragment per GOP would
hold every frame back until the next keyframe (a whole GOP of latency). Other
codecs (H.265, MJPEG, MPEG-4) are decoded at most once per `jpeg_interval_s` into JPEGs (multipart
x-mixed-replace), because browsers cannot play them. The thread only reports what it made to a `Sink`;
fan-out to viewers is the hub's business.
"""

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import av

from cctv_ingest.ingest.grabber import (
    LIVE_PROBE_OPTIONS,
    CameraReadError,
    ReadLimits,
    encode_jpeg,
    open_stream,
    scaled,
)
from cctv_ingest.redaction import redact_text

Mode = Literal["fmp4", "jpeg"]
# frag_keyframe: a fragment ends at each keyframe, so a GOP starts a fragment (a late viewer starts there);
# frag_every_frame: and at every frame, so nothing waits for the next keyframe; empty_moov: the init segment
# is complete before the first sample; default_base_moof: fragments are self-contained (what browsers' MP4
# parsers expect of a live stream).
MOVFLAGS = "frag_keyframe+frag_every_frame+empty_moov+default_base_moof"
PLAYABLE_CODECS = ("h264",)
FALLBACK_WIDTH = 960


@dataclass(frozen=True)
class StreamInfo:
    mode: Mode
    width: int
    height: int
    codec: str
    init: bytes  # fMP4: ftyp+moov; jpeg: empty


class Sink(Protocol):
    def started(self, info: StreamInfo) -> None: ...

    def chunk(self, data: bytes, keyframe: bool) -> None:
        """A fragment (fMP4) or a JPEG; `keyframe`: a viewer may start with it."""

    def ended(self, reason: str) -> None: ...


def mode_for(codec: str | None) -> Mode:
    """How a camera with this codec is served (unknown codecs are tried as H.264 and told at GET)."""
    return "fmp4" if codec is None or codec in PLAYABLE_CODECS else "jpeg"


class BoxSplitter:
    """A write-only file for the MP4 muxer that cuts its output into top-level boxes: the init segment
    (everything up to and including `moov`), then each fragment (`moof` + `mdat`, with any box before it).

    The muxer flushes at every fragment's end, so a fragment is one write or a few (32 KiB each): they are
    kept as they came and joined once when the fragment is complete (a one-write fragment is passed on as
    is). Only box headers are read, in place; profiled, the former bytearray buffer (four copies of every
    byte) cost ~7 % of the live remux."""

    def __init__(self, on_init: Callable[[bytes], None], on_fragment: Callable[[bytes], None]) -> None:
        self._on_init, self._on_fragment = on_init, on_fragment
        self._parts: list[bytes] = []  # the segment being received: init segment or fragment
        self._size = 0  # bytes in _parts
        self._next = 0  # where the next box's header starts, from the segment's start
        self._box: tuple[int, bytes] | None = None  # the box being received: its end and its type
        self._init_done = False

    def write(self, data: bytes) -> int:
        self._parts.append(data if type(data) is bytes else bytes(data))
        self._size += len(data)
        while True:
            if self._box is None:
                self._box = self._header(self._next)
                if self._box is None:
                    break
            end, kind = self._box
            if end > self._size:
                break
            self._next, self._box = end, None
            if kind == b"moov" and not self._init_done:
                self._init_done = True
                self._on_init(self._cut(end))
            elif kind == b"mdat" and self._init_done:
                self._on_fragment(self._cut(end))
        return len(data)

    def _header(self, offset: int) -> tuple[int, bytes] | None:
        """The end and type of the box starting at `offset`, once its header has come."""
        last = self._parts[-1] if self._parts else b""
        start = self._size - len(last)
        header = last[offset - start:offset - start + 16] if offset >= start else \
            b"".join(self._parts)[offset:offset + 16]  # a header split across writes: rare
        if len(header) < 8:
            return None
        size = int.from_bytes(header[:4], "big")
        if size == 1:  # a 64-bit size follows the type
            if len(header) < 16:
                return None
            size = int.from_bytes(header[8:16], "big")
        # 0 ("to the end of the file") never comes from a fragmenting muxer; less than 8 is no box
        return (offset + size, header[4:8]) if size >= 8 else None

    def _cut(self, end: int) -> bytes:
        """The segment's first `end` bytes, removed from what was received."""
        if end == self._size:
            segment = self._parts[0] if len(self._parts) == 1 else b"".join(self._parts)
            self._parts = []
        else:
            received = b"".join(self._parts)
            segment, self._parts = received[:end], [received[end:]]
        self._size -= end
        self._next -= end
        return segment


def open_live(url: str, limits: ReadLimits):
    """The camera opened for live viewing: over RTSP without probing its packets (the SDP names the codec and
    size), unless the SDP leaves the size out; other sources are probed as for snapshots."""
    if not url.startswith("rtsp"):
        return open_stream(url, limits)
    container = open_stream(url, limits, LIVE_PROBE_OPTIONS)
    video = container.streams.video
    if not video or video[0].codec_context.width:
        return container
    container.close()  # no SPS in the SDP: learn the size from the packets
    return open_stream(url, limits)


def read_live(url: str, limits: ReadLimits, sink: Sink, stop: threading.Event, jpeg_interval_s: float,
              keyframe_timeout_s: float = 10.0) -> None:
    """Read the camera until `stop` is set or it fails; always ends with `sink.ended(reason)`."""
    reason = "stopped"
    try:
        with open_live(url, limits) as container:
            if not container.streams.video:
                raise CameraReadError("no video stream")
            stream = container.streams.video[0]
            if stream.codec_context.name in PLAYABLE_CODECS:
                _remux(container, stream, sink, stop, time.monotonic() + keyframe_timeout_s)
            else:
                _jpegs(container, stream, sink, stop, jpeg_interval_s)
        reason = "stopped" if stop.is_set() else "camera stream ended"
    except CameraReadError as exc:
        reason = str(exc)
    except (av.FFmpegError, OSError) as exc:
        reason = redact_text(f"{type(exc).__name__}: {exc}")
    finally:
        sink.ended(reason[:300])


def _remux(container, stream, sink: Sink, stop: threading.Event, keyframe_by: float) -> None:
    codec = stream.codec_context
    info: dict[str, StreamInfo] = {}

    def on_init(init: bytes) -> None:
        info["stream"] = StreamInfo("fmp4", codec.width, codec.height, codec.name, init)
        sink.started(info["stream"])

    # The muxer writes a frame's fragment when the next frame comes in: the frames muxed and not yet written
    # tell whether a fragment starts with a keyframe.
    keys: deque[bool] = deque()

    def on_fragment(fragment: bytes) -> None:
        sink.chunk(fragment, keys.popleft() if keys else False)

    output = av.open(BoxSplitter(on_init, on_fragment), "w", format="mp4", options={"movflags": MOVFLAGS})
    try:
        out_stream = output.add_stream_from_template(stream)
        # empty_moov: the init segment needs no sample, so viewers get it (and their HTTP answer) while the
        # camera's first keyframe is still on its way.
        output.start_encoding()
        base: int | None = None
        for packet in container.demux(stream):
            if stop.is_set():
                return
            # The first packets over RTSP may lack a dts (no RTCP sender report yet): their pts will do.
            ts = packet.dts if packet.dts is not None else packet.pts
            if ts is None or not packet.size:
                continue
            if base is None:
                if not packet.is_keyframe:
                    if time.monotonic() > keyframe_by:
                        raise CameraReadError("the camera sent no keyframe in time")
                    continue  # a viewer's first frame must decode on its own
                base = ts
            packet.dts = ts - base
            packet.pts = packet.dts if packet.pts is None else packet.pts - base
            packet.stream = out_stream
            keys.append(packet.is_keyframe)
            output.mux(packet)
    finally:
        if "stream" in info:
            output.close()


def _jpegs(container, stream, sink: Sink, stop: threading.Event, interval_s: float) -> None:
    """Keyframes only (each decodes alone), at most one per `interval_s`: MJPEG gives one per frame wanted,
    H.265 one per GOP at best."""
    codec = stream.codec_context
    codec.skip_frame, codec.thread_count = "NONKEY", 1
    announced = False
    next_at = 0.0
    for packet in container.demux(stream):
        if stop.is_set():
            return
        if not packet.size or not packet.is_keyframe or time.monotonic() < next_at:
            continue
        for frame in packet.decode():
            if not announced:
                sink.started(StreamInfo("jpeg", frame.width, frame.height, codec.name, b""))
                announced = True
            sink.chunk(encode_jpeg(scaled(frame, FALLBACK_WIDTH)), True)
            next_at = time.monotonic() + interval_s
