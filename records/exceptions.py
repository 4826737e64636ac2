class RecordsError(Exception):
    """A refused change to a consumer's records or choices; the message is translatable and safe to show."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
