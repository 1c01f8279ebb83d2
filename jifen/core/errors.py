class ApplicationError(Exception):
    """A business rule said no. ``message`` is translated and shown to the user as is.

    ``field`` names the form field or import column it concerns, when there is one.
    """

    def __init__(self, message, *, field: str | None = None, code: str = "invalid"):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code
