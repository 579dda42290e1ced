from kentongan.errors import NotFound


class SnapshotNotFound(NotFound):
    """This camera has no such snapshot (yet)."""

    error = "snapshot_not_found"
