"""The one error of reading: a seed file that cannot be read, with the reason."""


class UnreadableDocument(Exception):
    """A seed file that cannot be read; the message says why."""
