"""The one exception type for mistakes a user can fix (bad file, bad parameter, bad path).

The command line prints it as a single ``digitnet: error: ...`` line and exits
with status 2; anything else that goes wrong is a bug and keeps its traceback.
"""


class UsageError(ValueError):
    """Bad input from the user: the message says what is wrong and where, in one line."""
