from kentongan.errors import Conflict, NotFound, ServiceError


class CameraNotFound(NotFound):
    """No such camera."""

    error = "camera_not_found"


class CameraIdTaken(Conflict):
    """A camera with this id is already registered; PATCH it instead."""

    error = "camera_id_taken"


class ImportRejected(ServiceError):
    """The import file could not be read."""

    status_code = 422
    error = "import_rejected"


class UnsupportedImportType(ServiceError):
    """Send the import as text/csv or application/geo+json."""

    status_code = 415
    error = "unsupported_media_type"
