"""Evidence attachments against the real stack: each accepted type goes in and comes out to the agency without
its metadata, other content is refused whatever its name, limits hold, storage only ever holds ciphertext,
another agency sees nothing, every download is audited, and erasure takes the objects with the case."""

import hashlib
import io
from pathlib import Path

import av
import httpx
import media_samples as samples
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import text

from kentongan.dev.testing import eventually
from kentongan.events import topics

from .conftest import MAX_BYTES, MAX_FILES


def files(*items: tuple[str, bytes]) -> list:
    return [("files", (name, data, "application/octet-stream")) for name, data in items]


async def upload(intake, report_id, token, *items, keep_original=False):
    data = {"keep_original": "true"} if keep_original else {}
    return await intake.post(f"/v1/reports/{report_id}/attachments", files=files(*items), data=data,
                             headers={"X-Case-Token": token})


async def download(intake, partner_headers, referral_id, attachment_id, copy="file", agency="disdik"):
    return await intake.get(f"/v1/referrals/{referral_id}/attachments/{attachment_id}", params={"copy": copy},
                            headers={**partner_headers(agency), "X-Access-Reason": "assessing the case"})


def stored_objects(folder: Path) -> list[bytes]:
    return [path.read_bytes() for path in folder.rglob("*") if path.is_file()]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    return {
        "photo.jpg": (samples.jpeg_with_gps(), "image/jpeg", "image"),
        "screenshot.png": (samples.png(), "image/png", "image"),
        "sticker.webp": (samples.webp(), "image/webp", "image"),
        "iphone.heic": (samples.heic(), "image/jpeg", "image"),
        "threat.pdf": (samples.pdf(), "application/pdf", "document"),
        "bullying.mp4": (samples.mp4_with_location(folder / "v.mp4"), "video/mp4", "video"),
        "voice.m4a": (samples.audio(folder / "a.m4a", "ipod", "aac"), "audio/mp4", "audio"),
        "voice.ogg": (samples.audio(folder / "a.ogg", "ogg", "libopus"), "audio/ogg", "audio"),
        "voice.mp3": (samples.audio(folder / "a.mp3", "mp3", "libmp3lame"), "audio/mpeg", "audio"),
        "voice.wav": (samples.wav(), "audio/wav", "audio"),
    }


async def test_every_accepted_type_reaches_the_agency_without_metadata(intake, media, partner_headers, submit,
                                                                       report_body, referral_id_for):
    names = list(media)
    for start in range(0, len(names), MAX_FILES):  # a case holds MAX_FILES: one case per batch
        report_id, token = await submit(report_body())
        referral_id = await referral_id_for("disdik", report_id)
        batch = names[start:start + MAX_FILES]
        response = await upload(intake, report_id, token, *[(name, media[name][0]) for name in batch])
        assert response.status_code == 201, response.text
        for name, attachment in zip(batch, response.json(), strict=True):
            data, media_type, kind = media[name]
            assert (attachment["media_type"], attachment["kind"], attachment["status"]) == (media_type, kind,
                                                                                          "available")
            assert attachment["sha256"] == hashlib.sha256(data).hexdigest()
            got = await download(intake, partner_headers, referral_id, attachment["id"])
            assert got.status_code == 200, (name, got.text)
            assert got.headers["content-type"].startswith(media_type)
            assert got.headers["content-disposition"].startswith("attachment")
            assert samples.DEVICE.encode() not in got.content, name
            assert_no_metadata(kind, got.content, name)


def assert_no_metadata(kind: str, content: bytes, name: str) -> None:
    if kind == "image":
        with Image.open(io.BytesIO(content)) as image:
            exif = image.getexif()
            assert not exif, (name, dict(exif))
            assert not exif.get_ifd(0x8825), name  # no GPS
            assert "exif" not in image.info and "xmp" not in image.info, name
    if kind in ("video", "audio"):
        with av.open(io.BytesIO(content)) as container:
            tags = {**container.metadata, **{k: v for s in container.streams for k, v in s.metadata.items()}}
            assert not {"location", "location-eng", "comment", "title"} & set(tags), (name, tags)


async def test_the_photo_agencies_download_has_no_exif_gps(intake, case, partner_headers):
    report_id, token, referral_id = case
    photo = samples.jpeg_with_gps()
    with Image.open(io.BytesIO(photo)) as original:
        assert original.getexif().get_ifd(0x8825)  # the sample does carry GPS
    response = await upload(intake, report_id, token, ("IMG_0001.jpg", photo))
    attachment = response.json()[0]
    got = await download(intake, partner_headers, referral_id, attachment["id"])
    with Image.open(io.BytesIO(got.content)) as cleaned:
        assert cleaned.size == (64, 48)
        assert not cleaned.getexif().get_ifd(0x8825)
        assert not cleaned.getexif()
    thumbnail = await download(intake, partner_headers, referral_id, attachment["id"], "thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.content.startswith(b"\xff\xd8\xff")


async def test_the_pdf_agencies_download_names_nobody(intake, case, partner_headers):
    report_id, token, referral_id = case
    document = samples.pdf_with_author("Ancaman lewat pesan")
    assert PdfReader(io.BytesIO(document)).metadata.author == samples.VICTIM  # the sample does name her
    response = await upload(intake, report_id, token, ("bukti.pdf", document))
    assert response.status_code == 201, response.text
    got = await download(intake, partner_headers, referral_id, response.json()[0]["id"])
    assert got.status_code == 200 and got.headers["content-type"].startswith("application/pdf")
    assert samples.VICTIM.encode() not in got.content and b"Korban" not in got.content
    assert samples.DEVICE.encode() not in got.content
    cleaned = PdfReader(io.BytesIO(got.content))
    assert not cleaned.metadata  # no document info: author, creator, producer, dates
    assert cleaned.xmp_metadata is None
    assert [page.extract_text() for page in cleaned.pages] == ["Ancaman lewat pesan"]  # the page is kept
    [comment] = [annotation.get_object() for annotation in cleaned.pages[0]["/Annots"]]
    assert comment["/Contents"] == "lihat pesan ini" and "/T" not in comment and "/M" not in comment


async def test_a_pdf_reaches_the_agency_without_scripts_or_files_inside(intake, case, partner_headers):
    report_id, token, referral_id = case
    document = samples.pdf_with_active_content("Foto ancaman")
    for marker in (b"/JavaScript", b"/Launch", b"/EmbeddedFile", b"/OpenAction", b"/FileAttachment"):
        assert marker in document  # the sample does carry them
    response = await upload(intake, report_id, token, ("bukti.pdf", document))
    assert response.status_code == 201, response.text
    got = await download(intake, partner_headers, referral_id, response.json()[0]["id"])
    assert got.status_code == 200
    for marker in (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/OpenAction", b"/AA",
                   b"/FileAttachment", b"MZ not really", b"cmd.exe", b"app.alert"):
        assert marker not in got.content, marker
    cleaned = PdfReader(io.BytesIO(got.content))
    assert [page.extract_text() for page in cleaned.pages] == ["Foto ancaman"]  # the page is kept
    links = [annotation.get_object() for annotation in cleaned.pages[0]["/Annots"]]
    assert [link["/A"]["/URI"] for link in links if "/A" in link] == ["https://semarangkota.go.id/"]


async def test_an_iphone_mov_reaches_the_agency_without_where_or_on_what_it_was_filmed(
        intake, case, partner_headers, tmp_path):
    report_id, token, referral_id = case
    movie = samples.iphone_mov(tmp_path / "IMG_0042.MOV")
    with av.open(io.BytesIO(movie)) as original:  # the sample does say where, and on which phone
        assert original.metadata["com.apple.quicktime.location.ISO6709"] == samples.IPHONE_LOCATION
    response = await upload(intake, report_id, token, ("IMG_0042.MOV", movie))
    assert response.status_code == 201, response.text
    assert response.json()[0]["media_type"] == "video/mp4"  # remuxed from QuickTime into a fresh MP4
    got = await download(intake, partner_headers, referral_id, response.json()[0]["id"])
    for value in ("ISO6709", "110.4093", "iPhone", "com.apple"):
        assert value.encode() not in got.content, value
    with av.open(io.BytesIO(got.content)) as cleaned:
        tags = {**cleaned.metadata, **{k: v for s in cleaned.streams for k, v in s.metadata.items()}}
        assert not [key for key in tags if "location" in key or "apple" in key or key in ("make", "model")]
        assert [s.codec_context.name for s in cleaned.streams] == ["hevc", "aac"]  # packets copied as is
        assert sum(1 for _ in cleaned.decode(video=0)) == 10
        assert cleaned.streams.video[0].codec_context.codec_tag == "hvc1"  # plays on the iPhones it came from


async def test_a_jpg_that_is_really_a_program_and_a_text_file_are_refused(intake, case):
    report_id, token, _ = case
    for name, data in (("photo.jpg", samples.executable()), ("notes.txt", b"just some text " * 20)):
        response = await upload(intake, report_id, token, (name, data))
        assert response.status_code == 415, response.text
        assert "files[0]" in response.json()["detail"]
    listed = await intake.get(f"/v1/reports/{report_id}/attachments", headers={"X-Case-Token": token})
    assert listed.json()["items"] == []


async def test_size_and_count_limits(intake, case, evidence_dir):
    report_id, token, _ = case
    before = len(stored_objects(evidence_dir))
    big = samples.wav() + b"\0" * MAX_BYTES
    response = await upload(intake, report_id, token, ("big.wav", big))
    assert response.status_code == 413 and "files[0]" in response.json()["detail"]
    photos = [(f"{i}.png", samples.png()) for i in range(MAX_FILES + 1)]
    response = await upload(intake, report_id, token, *photos)
    assert response.status_code == 413 and response.json()["error"] == "too_many_attachments"
    assert (await upload(intake, report_id, token, *photos[:MAX_FILES])).status_code == 201
    assert (await upload(intake, report_id, token, photos[0])).status_code == 413  # the case is full
    assert len(stored_objects(evidence_dir)) == before + 2 * MAX_FILES  # file + thumbnail each, nothing else


async def test_storage_holds_only_ciphertext_under_random_keys(intake, case, evidence_dir, partner_headers,
                                                              tmp_path):
    report_id, token, referral_id = case
    video = samples.mp4_with_location(tmp_path / "v.mp4", seconds=3)
    response = await upload(intake, report_id, token, ("rumah_jl_melati_12.mp4", video), keep_original=True)
    attachment = response.json()[0]
    assert attachment["original_kept"]
    cleaned = (await download(intake, partner_headers, referral_id, attachment["id"])).content
    original = (await download(intake, partner_headers, referral_id, attachment["id"], "original")).content
    assert original == video and hashlib.sha256(original).hexdigest() == attachment["sha256"]
    for stored in stored_objects(evidence_dir):
        for plain in (video, cleaned):
            for start in range(0, len(plain) - 64, 997):
                assert plain[start:start + 64] not in stored
    keys = [str(path.relative_to(evidence_dir)) for path in evidence_dir.rglob("*") if path.is_file()]
    assert not [key for key in keys if report_id in key or attachment["id"] in key or "melati" in key]


async def test_another_agency_sees_nothing_and_every_download_is_audited(intake, case, partner_headers,
                                                                        database):
    report_id, token, referral_id = case
    attachment = (await upload(intake, report_id, token, ("a.png", samples.png()))).json()[0]
    url = f"/v1/referrals/{referral_id}/attachments"
    assert (await intake.get(url, headers=partner_headers("dp3a"))).status_code == 404
    other = await download(intake, partner_headers, referral_id, attachment["id"], agency="dp3a")
    assert other.status_code == 404
    listed = await intake.get(url, headers=partner_headers("disdik"))
    assert [a["id"] for a in listed.json()["items"]] == [attachment["id"]]
    for _ in range(2):
        assert (await download(intake, partner_headers, referral_id, attachment["id"])).status_code == 200
    async with database.connect() as conn:
        rows = (await conn.execute(text(
            "SELECT actor_kind, actor, action, reason_sealed FROM report_intake.audit_log "
            "WHERE resource_id = :id AND action LIKE 'attachment.download%'"),
            {"id": attachment["id"]})).all()
    assert [(r.actor_kind, r.action) for r in rows] == [("partner", "attachment.download.file")] * 2
    assert all(r.actor.startswith("disdik/") and r.reason_sealed for r in rows)


async def test_supervisors_see_attachments_in_the_staff_view(intake, case, operator_headers):
    report_id, token, _ = case
    attachment = (await upload(intake, report_id, token, ("a.png", samples.png()))).json()[0]
    url = f"/v1/staff/reports/{report_id}/attachments"
    assert (await intake.get(url, headers=operator_headers("operator"))).status_code == 403
    listed = await intake.get(url, headers=operator_headers("supervisor"))
    assert [a["id"] for a in listed.json()["items"]] == [attachment["id"]]
    got = await intake.get(f"{url}/{attachment['id']}", headers=operator_headers("supervisor"))
    assert got.status_code == 200 and got.content.startswith(b"\x89PNG")


async def test_the_agency_hears_of_new_evidence_by_id_only(intake, case, topic_events):
    report_id, token, referral_id = case
    attachment = (await upload(intake, report_id, token, ("a.png", samples.png()))).json()[0]

    async def added():
        events = await topic_events(topics.REFERRALS, referral_id)
        return [e for e in events if e.type == "kentongan.referral.attachment_added"]

    event = (await eventually(added))[0]
    assert str(event.data.attachment_id) == attachment["id"]
    assert "a.png" not in event.data.model_dump_json()


async def test_the_reporter_deletes_until_an_agency_opened_it_then_requests(intake, case, partner_headers,
                                                                           evidence_dir):
    report_id, token, referral_id = case
    first, second = (await upload(intake, report_id, token, ("a.png", samples.png()),
                                  ("b.jpg", samples.jpeg_with_gps()))).json()
    before = len(stored_objects(evidence_dir))
    url = f"/v1/reports/{report_id}/attachments"
    deleted = await intake.delete(f"{url}/{first['id']}", headers={"X-Case-Token": token})
    assert deleted.status_code == 200 and deleted.json() == {"status": "deleted"}
    assert len(stored_objects(evidence_dir)) == before - 2  # its file and thumbnail
    assert (await download(intake, partner_headers, referral_id, first["id"])).status_code == 404
    assert (await download(intake, partner_headers, referral_id, second["id"])).status_code == 200
    requested = await intake.delete(f"{url}/{second['id']}", headers={"X-Case-Token": token})
    assert requested.status_code == 202 and requested.json() == {"status": "deletion_requested"}
    listed = await intake.get(f"/v1/referrals/{referral_id}/attachments", headers=partner_headers("disdik"))
    assert [(a["id"], a["deletion_requested"]) for a in listed.json()["items"]] == [(second["id"], True)]
    wrong = await intake.delete(f"{url}/{second['id']}", headers={"X-Case-Token": "wrong"})
    assert wrong.status_code == 404


async def test_erasing_the_case_deletes_its_objects(intake, case, evidence_dir, partner_headers):
    report_id, token, referral_id = case
    before = set(evidence_dir.rglob("*"))
    await upload(intake, report_id, token, ("a.png", samples.png()), ("b.wav", samples.wav()),
                 keep_original=True)
    added = {path for path in set(evidence_dir.rglob("*")) - before if path.is_file()}
    assert len(added) == 5  # two files, one thumbnail, two originals
    erased = await intake.request("DELETE", f"/v1/reports/{report_id}", json={"confirm": True},
                                  headers={"X-Case-Token": token})
    assert erased.status_code == 204
    assert not [path for path in added if path.exists()]
    listed = await intake.get(f"/v1/referrals/{referral_id}/attachments", headers=partner_headers("disdik"))
    assert listed.status_code == 404  # the case is erased


async def test_a_file_the_scanner_flags_is_quarantined_before_any_agency_sees_it(intake, case, clamd,
                                                                                 partner_headers):
    report_id, token, referral_id = case
    scanned = clamd.scanned
    infected = samples.pdf() + b"\n%" + clamd.MARKER + b"\n"
    response = await upload(intake, report_id, token, ("bukti.pdf", infected), ("ok.png", samples.png()))
    assert response.status_code == 201
    assert [a["status"] for a in response.json()] == ["quarantined", "available"]
    assert clamd.scanned == scanned + 2
    listed = await intake.get(f"/v1/referrals/{referral_id}/attachments", headers=partner_headers("disdik"))
    assert [a["id"] for a in listed.json()["items"]] == [response.json()[1]["id"]]
    assert (await download(intake, partner_headers, referral_id, response.json()[0]["id"])).status_code == 404


async def test_uploads_per_case_token_are_limited(intake, evidence_settings, submit, report_body):
    report_id, token = await submit(report_body())
    statuses = [(await upload(intake, report_id, token, ("x.txt", b"not media"))).status_code
                for _ in range(evidence_settings.uploads_per_token_per_hour + 1)]
    assert statuses[:-1] == [415] * evidence_settings.uploads_per_token_per_hour
    assert statuses[-1] == 429


async def test_a_wrong_token_reads_no_byte_and_gets_404(intake, case):
    report_id, _, _ = case
    response = await upload(intake, report_id, "not-the-token", ("a.png", samples.png()))
    assert response.status_code == 404


async def test_a_scanner_that_is_configured_but_down_lets_nothing_through(tmp_path):
    from kentongan.dev.stack import free_port
    from report_intake.attachments.scan import ClamdScanner, ScannerUnavailable

    sample = tmp_path / "a.png"
    sample.write_bytes(samples.png())
    with pytest.raises(ScannerUnavailable) as refused:
        await ClamdScanner(f"127.0.0.1:{free_port()}", 2).scan(sample)
    assert refused.value.status_code == 503


async def test_a_commit_that_fails_leaves_no_object_behind(intake, listening, case, evidence_dir, database):
    """The files are stored before their rows commit; PostgreSQL refusing the commit (a deferred constraint
    trigger on this case's rows, checked only at COMMIT) must take the stored objects with it."""
    report_id, token, _ = case
    before = {path for path in evidence_dir.rglob("*") if path.is_file()}
    async with database.begin() as conn:
        await conn.execute(text(
            "CREATE FUNCTION report_intake.test_refuse_commit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the commit is refused'; END $$"))
        await conn.execute(text(
            "CREATE CONSTRAINT TRIGGER test_refuse_commit AFTER INSERT ON report_intake.attachments "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.report_id = '{report_id}'::uuid) "
            "EXECUTE FUNCTION report_intake.test_refuse_commit()"))
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listening}") as client:  # a real server
            response = await upload(client, report_id, token, ("a.png", samples.png()),
                                    ("b.wav", samples.wav()), keep_original=True)
    finally:
        async with database.begin() as conn:
            await conn.execute(text("DROP TRIGGER test_refuse_commit ON report_intake.attachments"))
            await conn.execute(text("DROP FUNCTION report_intake.test_refuse_commit()"))
    assert response.status_code == 500
    assert {path for path in evidence_dir.rglob("*") if path.is_file()} == before  # no orphan object
    listed = await intake.get(f"/v1/reports/{report_id}/attachments", headers={"X-Case-Token": token})
    assert listed.json()["items"] == []
    again = await upload(intake, report_id, token, ("a.png", samples.png()))
    assert again.status_code == 201  # the case is usable: nothing half-made counts against it
