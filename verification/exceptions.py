class VerificationError(Exception):
    """A verification failure whose message is translatable and safe to show the requester."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code
