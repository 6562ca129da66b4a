"""The fake provider server: Anthropic, Replicate and ElevenLabs on 127.0.0.1, for the real SDKs.

``FakeProviders`` (``server.py``) is the server and its fault-injection API; ``faults`` builds
the faults; ``vendors`` holds how each API answers; ``media`` makes the clips, images and
speech it returns. Nothing here touches the network beyond the loopback interface.
"""

from tests.fakes import faults
from tests.fakes.server import FakeProviders, Seen

__all__ = ["FakeProviders", "Seen", "faults"]
