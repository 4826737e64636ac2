class StaffError(Exception):
    """A refused staff operation; the message is translatable and safe to show."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
