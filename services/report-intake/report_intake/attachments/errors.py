from kentongan.errors import Conflict, NotFound, PayloadTooLarge, ServiceError


class AttachmentNotFound(NotFound):
    """No such attachment on this case (or it is quarantined or deleted)."""

    error = "attachment_not_found"


class AttachmentTooLarge(PayloadTooLarge):
    """A file is larger than REPORT_INTAKE_ATTACHMENT_MAX_BYTES."""

    error = "attachment_too_large"


class TooManyAttachments(PayloadTooLarge):
    """A case holds at most REPORT_INTAKE_ATTACHMENT_MAX_FILES files."""

    error = "too_many_attachments"


class UnsupportedMediaType(ServiceError):
    """The file's content is not one of the accepted types (JPEG, PNG, WebP, HEIC, PDF, MP4, M4A/AAC,
    OGG/Opus, MP3, WAV), whatever its name says."""

    status_code = 415
    error = "unsupported_media_type"


class UnreadableAttachment(ServiceError):
    """The file starts like an accepted type but cannot be read as one."""

    status_code = 422
    error = "unreadable_attachment"


class UnknownUploadField(ServiceError):
    """A multipart field other than `files` and `keep_original`, or a bad value for one."""

    status_code = 422
    error = "unknown_upload_field"


class UploadNotFound(NotFound):
    """No such resumable upload on this case (finished, abandoned or never created)."""

    error = "upload_not_found"


class UploadOffsetMismatch(Conflict):
    """Upload-Offset is not where the upload stands: ask with HEAD and resume from its Upload-Offset."""

    error = "upload_offset_mismatch"


class TusVersionUnsupported(ServiceError):
    """Send `Tus-Resumable: 1.0.0`."""

    status_code = 412
    error = "tus_version_unsupported"
