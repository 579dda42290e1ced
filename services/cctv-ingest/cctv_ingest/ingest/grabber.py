"""One camera read with PyAV: open with timeouts, decode keyframes only, make a small JPEG and a motion sample.

Everything here blocks (FFmpeg I/O and decoding); callers run it in a thread pool so a dead or hung camera
only ever occupies one pool thread until its timeout, never the event loop or another camera.
"""

import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction

import av

from cctv_ingest.redaction import redact_text
from kentongan.outbound import OutboundPolicy, resolved_url_problem

MOTION_SIZE = (64, 36)  # a grey thumbnail this small is enough to see that something moved
FPS_SAMPLE_PACKETS = 12
# FFmpeg probes 5 MB by default, decoding every frame in it at full cost (skip_frame is not set yet): at
# 1080p that is ~60 ms of CPU per open. 64 KiB is enough to learn codec and size; measured: poll cost
# 92 -> 40 ms per keyframe.
PROBE_OPTIONS = {"probesize": "65536", "analyzeduration": "500000"}
# Live video over RTSP: the SDP's sprop-parameter-sets carry the H.264 SPS/PPS (codec, width, height), so
# probing the packets themselves only delays the start. FFmpeg's probe held ~0.5 s of packets, and handed them
# on without timestamps (dts None); a keyframe among them was skipped and the viewer waited a GOP more.
# Measured on the 1080p25 test camera: open 0.66 -> 0.08-0.11 s. Cameras whose SDP lacks the SPS are probed
# again with PROBE_OPTIONS (upstream.open_live).
LIVE_PROBE_OPTIONS = {"probesize": "32", "analyzeduration": "0", "fflags": "nobuffer"}
# FFmpeg's rtsp_transport flags: with udp+tcp it asks for UDP and takes TCP when the camera answers SETUP with
# 461 Unsupported Transport. (Its other fallback, on UDP silence, needs FFmpeg's own socket `timeout`, which
# PyAV's read timeout preempts: behind a firewall that drops UDP, use tcp, the default.)
RTSP_TRANSPORTS = {"tcp": "tcp", "udp": "udp", "auto": "udp+tcp"}


@dataclass(frozen=True)
class ReadLimits:
    open_timeout_s: float
    read_timeout_s: float
    snapshot_width: int
    # Where reads may connect (cameras.urls.camera_policy); None only for local files (benchmarks).
    policy: OutboundPolicy | None = None
    # tcp by default: UDP loses packets behind NAT and firewalls, and a lost keyframe costs a whole GOP.
    rtsp_transport: str = "tcp"  # or udp, or auto (RTSP_TRANSPORTS)


@dataclass(frozen=True)
class Keyframe:
    """What one keyframe tells about a camera."""

    jpeg: bytes
    width: int
    height: int
    codec: str
    fps: float | None
    grey: bytes  # MOTION_SIZE grey pixels, for motion_score()


class CameraReadError(Exception):
    """The camera did not deliver a keyframe; the message never contains credentials."""


def grab_keyframe(url: str, limits: ReadLimits) -> Keyframe:
    """Open the stream, take its first keyframe, measure the frame rate from a few packets, close."""
    try:
        with open_stream(url, limits) as container:
            stream = _video_stream(container)
            for frame in _keyframes(container, stream, PacketRate()):
                fps = _measured_fps(container, stream) or _nominal_fps(stream)
                return describe(frame, stream.codec_context.name, fps, limits.snapshot_width)
    except (av.FFmpegError, OSError) as exc:
        raise CameraReadError(redact_text(f"{type(exc).__name__}: {exc}")) from None
    raise CameraReadError("stream ended without a keyframe")


def watch_frames(url: str, limits: ReadLimits,
                 wanted: Callable[[], bool] = lambda: True) -> Iterator[tuple[av.VideoFrame, str, float | None]]:
    """Hold the stream open and yield (keyframe, codec, measured fps) for each keyframe arriving while
    `wanted()`; the others are demuxed but never decoded (continuous mode at the cost of the keyframes used)."""
    try:
        with open_stream(url, limits) as container:
            stream = _video_stream(container)
            rate = PacketRate()
            for frame in _keyframes(container, stream, rate, wanted):
                yield frame, stream.codec_context.name, rate.fps(stream.time_base) or _nominal_fps(stream)
    except (av.FFmpegError, OSError) as exc:
        raise CameraReadError(redact_text(f"{type(exc).__name__}: {exc}")) from None


def open_stream(url: str, limits: ReadLimits, probe: dict[str, str] = PROBE_OPTIONS):
    """The camera's stream opened with timeouts, after its resolved host passed the outbound policy."""
    # The URL was judged when stored; its host is judged again, resolved, right before FFmpeg connects.
    problem = limits.policy and resolved_url_problem(url, limits.policy, credentials=True)
    if problem:
        raise CameraReadError(f"refused by the outbound policy: {problem}")
    options = dict(probe)
    if url.startswith("rtsp"):
        options["rtsp_transport"] = RTSP_TRANSPORTS[limits.rtsp_transport]
    return av.open(url, timeout=(limits.open_timeout_s, limits.read_timeout_s), options=options)


def _video_stream(container) -> av.VideoStream:
    if not container.streams.video:
        raise CameraReadError("no video stream")
    stream = container.streams.video[0]
    stream.codec_context.skip_frame = "NONKEY"  # the decoder drops every other frame unseen
    stream.codec_context.thread_count = 1  # one worker process per core scales better than threads
    return stream


class PacketRate:
    """Frames per second from the timestamps of the packets that went by (decoded or not)."""

    def __init__(self) -> None:
        self.count = 0
        self.first: int | None = None
        self.last: int | None = None

    def add(self, pts: int | None) -> None:
        if pts is None:
            return
        self.count += 1
        self.first = pts if self.first is None else min(self.first, pts)
        self.last = pts if self.last is None else max(self.last, pts)

    def fps(self, time_base: Fraction | None) -> float | None:
        if self.first is None or self.last is None or self.last == self.first or time_base is None:
            return None
        return round((self.count - 1) / float((self.last - self.first) * time_base), 2)


def _keyframes(container, stream, rate: PacketRate,
               wanted: Callable[[], bool] = lambda: True) -> Iterator[av.VideoFrame]:
    for packet in container.demux(stream):
        rate.add(packet.pts)
        if not packet.is_keyframe and packet.size:
            continue  # skip_frame would drop it anyway; not even handing it to the decoder is cheaper
        if packet.size and not wanted():
            continue  # a keyframe decodes on its own, so skipping one costs the next nothing
        yield from packet.decode()


def _measured_fps(container, stream) -> float | None:
    """Frames per second from the timestamps of the next few packets (demuxed, not decoded)."""
    rate = PacketRate()
    for packet in container.demux(stream):
        rate.add(packet.pts)
        if rate.count >= FPS_SAMPLE_PACKETS:
            break
    return rate.fps(stream.time_base)


def _nominal_fps(stream) -> float | None:
    rate: Fraction | None = stream.average_rate or stream.guessed_rate
    return round(float(rate), 2) if rate else None


def describe(frame: av.VideoFrame, codec: str, fps: float | None, snapshot_width: int) -> Keyframe:
    """The snapshot JPEG, size, codec, rate and motion sample of a decoded keyframe."""
    small = scaled(frame, snapshot_width)  # scale the big frame once; the grey sample comes from the small one
    return Keyframe(jpeg=encode_jpeg(small), width=frame.width, height=frame.height, codec=codec, fps=fps,
                    grey=grey_thumbnail(small))


def scaled(frame: av.VideoFrame, width: int) -> av.VideoFrame:
    width = min(width, frame.width) // 2 * 2
    height = max(2, round(frame.height * width / frame.width) // 2 * 2)
    # Fast bilinear is plenty for a small snapshot and ~3x cheaper than the default bicubic at 1080p.
    return frame.reformat(width=width, height=height, format="yuvj420p", interpolation="FAST_BILINEAR")


def encode_jpeg(frame: av.VideoFrame) -> bytes:
    """A JPEG of a yuvj420p frame, encoded by FFmpeg's mjpeg encoder."""
    encoder = av.CodecContext.create("mjpeg", "w")
    encoder.width, encoder.height, encoder.pix_fmt = frame.width, frame.height, "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    encoder.options = {"q": "5"}  # qscale 5: small files, faces and plates still readable at this size
    packets = encoder.encode(frame) + encoder.encode(None)
    return b"".join(bytes(packet) for packet in packets)


def grey_thumbnail(frame: av.VideoFrame) -> bytes:
    """MOTION_SIZE grey pixels of the frame, row padding removed."""
    width, height = MOTION_SIZE
    plane = frame.reformat(width=width, height=height, format="gray", interpolation="AREA").planes[0]
    data = bytes(plane)
    return b"".join(data[row * plane.line_size: row * plane.line_size + width] for row in range(height))


def motion_score(previous: bytes | None, current: bytes) -> float | None:
    """Mean absolute difference of two grey thumbnails, 0 (still) .. 1 (everything changed)."""
    if not previous or len(previous) != len(current):
        return None
    total = sum(map(abs, map(operator.sub, previous, current)))  # C-level loops: ~4x a generator
    return round(total / (255 * len(current)), 4)
