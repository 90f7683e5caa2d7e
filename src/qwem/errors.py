"""Exceptions a user can hit; the CLI prints them as one line and exits 2."""

from __future__ import annotations


class QwemError(Exception):
    """Base class: the message names the bad input, what was expected, and the fix."""


class QwemConfigError(QwemError):
    """A parameter value is out of range or inconsistent (names the config key)."""


class QwemInputError(QwemError):
    """An input file is missing, corrupt, truncated or of the wrong shape."""


class QwemDownloadError(QwemError):
    """A download failed for good: bad checksum, wrong size, or out of retries."""


class QwemChecksumError(QwemDownloadError):
    """The bytes arrived but are not the expected ones (size or digest differs)."""


class QwemResourceError(QwemError):
    """A job needs more memory than it may use (names the figure and the fixes)."""
