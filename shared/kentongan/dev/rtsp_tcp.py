"""A small RTSP server sending RTP interleaved in the RTSP connection (RFC 2326 §10.12, `RTP/AVP/TCP`), the
transport most cameras are read with and `rtsp-rs` refuses (its SETUP answers 461 to `interleaved=`). Dev
tooling for `rtspcam.RtspCamera(transport="tcp")`: it speaks TCP only and answers 461 to a UDP SETUP, so a
reader that only tries UDP fails against it as a UDP-only reader does against a firewalled camera.

It has rtsp-rs's interface (`start`, `stop`, `send_frame`, `get_viewers`) and its H.264 packetizer (RFC 6184,
FU-A), so both cameras send the same RTP; SPS and PPS go into the SDP (sprop-parameter-sets) as cameras do."""

import base64
import itertools
import socket
import threading
from dataclasses import dataclass, field
from typing import BinaryIO

import rtsp

PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER"


@dataclass(eq=False)
class _Viewer:
    conn: socket.socket
    session: str
    channel: int = 0
    playing: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, data: bytes) -> None:
        with self.lock:
            self.conn.sendall(data)


class InterleavedRtspServer:
    """`rtsp://<address>/stream` over TCP; `send_frame` hands an H.264 access unit (Annex B) to every player."""

    def __init__(self, address: str, parameter_sets: tuple[bytes, bytes]) -> None:
        host, _, port = address.rpartition(":")
        self._listener = socket.create_server((host, int(port)))
        self._sps, self._pps = parameter_sets
        self._packetizer = rtsp.H264Packetizer(96)
        self._viewers: set[_Viewer] = set()
        self._lock = threading.Lock()
        self._sessions = itertools.count(1)
        self._running = False

    def start(self) -> None:
        self._running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        self._running = False
        self._listener.close()
        with self._lock:
            viewers, self._viewers = list(self._viewers), set()
        for viewer in viewers:
            viewer.conn.close()

    def get_viewers(self) -> list[str]:
        with self._lock:
            return [viewer.session for viewer in self._viewers if viewer.playing]

    def send_frame(self, frame: bytes, timestamp_increment: int) -> int:
        packets = self._packetizer.packetize(frame, timestamp_increment)
        with self._lock:
            playing = [viewer for viewer in self._viewers if viewer.playing]
        for viewer in playing:
            data = b"".join(b"$" + bytes([viewer.channel]) + len(p).to_bytes(2, "big") + bytes(p) for p in packets)
            try:
                viewer.send(data)
            except OSError:
                self._forget(viewer)
        return len(playing)

    def _accept(self) -> None:
        while self._running:
            try:
                conn, _address = self._listener.accept()
            except OSError:
                return
            viewer = _Viewer(conn, f"{next(self._sessions):08d}")
            with self._lock:
                self._viewers.add(viewer)
            threading.Thread(target=self._serve, args=(viewer,), daemon=True).start()

    def _forget(self, viewer: _Viewer) -> None:
        with self._lock:
            self._viewers.discard(viewer)
        viewer.conn.close()

    def _serve(self, viewer: _Viewer) -> None:
        reader = viewer.conn.makefile("rb")
        try:
            while (first := reader.read(1)) and self._running:
                if first == b"$":  # the player's RTCP receiver reports, interleaved the same way: skipped
                    header = reader.read(3)
                    reader.read(int.from_bytes(header[1:3], "big"))
                    continue
                request_line = (first + reader.readline()).decode("latin-1").strip()
                headers = _headers(reader)
                reader.read(int(headers.get("content-length", "0")))
                viewer.send(self._answer(viewer, request_line, headers))
                if request_line.startswith("TEARDOWN"):
                    return
        except (OSError, ValueError):
            pass
        finally:
            self._forget(viewer)

    def _answer(self, viewer: _Viewer, request_line: str, headers: dict[str, str]) -> bytes:
        method, _, rest = request_line.partition(" ")
        uri = rest.partition(" ")[0]
        cseq = headers.get("cseq", "0")
        if method == "DESCRIBE":
            return _response(cseq, {"Content-Type": "application/sdp", "Content-Base": f"{uri.rstrip('/')}/"},
                             self._sdp())
        if method == "SETUP":
            transport = headers.get("transport", "")
            if "interleaved=" not in transport:
                return _response(cseq, {"Unsupported": "RTP/AVP (UDP); use RTP/AVP/TCP;interleaved"},
                                 status="461 Unsupported Transport")
            channels = transport.split("interleaved=")[1].split(";")[0]
            viewer.channel = int(channels.split("-")[0])
            return _response(cseq, {"Transport": f"RTP/AVP/TCP;unicast;interleaved={channels}",
                                    "Session": f"{viewer.session};timeout=60"})
        if method == "PLAY":
            viewer.playing = True
            return _response(cseq, {"Session": viewer.session, "Range": "npt=0.000-"})
        if method in ("OPTIONS", "GET_PARAMETER", "TEARDOWN"):
            return _response(cseq, {"Public": PUBLIC} if method == "OPTIONS" else {"Session": viewer.session})
        return _response(cseq, {}, status="501 Not Implemented")

    def _sdp(self) -> str:
        sets = ",".join(base64.b64encode(nal).decode() for nal in (self._sps, self._pps))
        return ("v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=Stream\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
                "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                f"a=fmtp:96 packetization-mode=1;profile-level-id={self._sps[1:4].hex()};"
                f"sprop-parameter-sets={sets}\r\na=control:track1\r\n")


def _headers(reader: BinaryIO) -> dict[str, str]:
    headers = {}
    while (line := reader.readline().decode("latin-1").strip()):
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return headers


def _response(cseq: str, headers: dict[str, str], body: str = "", status: str = "200 OK") -> bytes:
    lines = [f"RTSP/1.0 {status}", f"CSeq: {cseq}", "Server: kentongan-dev-rtsp", *(f"{k}: {v}" for k, v in
                                                                                    headers.items())]
    if body:
        lines.append(f"Content-Length: {len(body.encode())}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def parameter_sets(frames: list[bytes]) -> tuple[bytes, bytes]:
    """The first SPS and PPS NAL units of an Annex B H.264 stream (the SDP's sprop-parameter-sets)."""
    found: dict[int, bytes] = {}
    for frame in frames:
        for nal in frame.replace(b"\x00\x00\x00\x01", b"\x00\x00\x01").split(b"\x00\x00\x01"):
            if nal and nal[0] & 0x1F in (7, 8):
                found.setdefault(nal[0] & 0x1F, nal.rstrip(b"\x00"))
        if len(found) == 2:
            return found[7], found[8]
    raise ValueError("no SPS and PPS in the clip")
