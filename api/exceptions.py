class ApiError(Exception):
    """The API app's domain error; its message is translatable and safe to show."""

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code
