"""What the store raises when it cannot do what was asked."""


class StoreBusy(RuntimeError):
    """The database file is held by another process (usually a running app)."""


class StoreConflict(RuntimeError):
    """A write could not be applied because of a concurrent change; nothing was written."""


class StoreError(ValueError):
    """A request the store refuses (e.g. undoing an upload twice)."""


class StalePreview(StoreError):
    """A save refused because the data changed after its preview was made; nothing was
    written. The caller makes the preview again and shows it before saving."""
