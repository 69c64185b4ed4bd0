"""spdt-harness: prove that a site's Spotify pixel is installed correctly, in a real browser."""

from harness.context import Landing, PixelContext
from harness.errors import AssertionFailed, HarnessError
from harness.lab import Harness

__all__ = ["AssertionFailed", "Harness", "HarnessError", "Landing", "PixelContext"]
__version__ = "0.1.0"
