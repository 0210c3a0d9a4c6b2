"""Logger factory used by every service module.

Services call ``get_logger(__name__)`` once at import time and log with plain
f-strings, so the standard library logger is all they need.
"""

import logging

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def get_logger(name: str) -> logging.Logger:
    """Return the stdlib logger for ``name``, configuring the root once."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format=_FORMAT)
    return logging.getLogger(name)
