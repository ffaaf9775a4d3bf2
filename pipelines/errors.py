"""The one error type users see: a one-line message naming what is wrong, never a traceback."""


class UserError(Exception):
    """Bad input or state the user can fix; the CLI prints it on one line and exits non-zero."""
