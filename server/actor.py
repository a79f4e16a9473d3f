"""Who is calling: the authenticated user of a request or a socket.

Its own module, below the services and the transports, so that every layer can name the
caller without depending on the authentication service that builds it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Actor:
    """An authenticated user. `family_id` ties the access token to its login session."""

    user_id: uuid.UUID
    family_id: uuid.UUID | None
    expires_at: datetime
