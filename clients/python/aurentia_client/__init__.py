"""aurentia_client: the Aurentia realtime API for bots and integrations (python-socketio).

Sessions that refresh their token ahead of expiry and reconnect with a fresh one, a store
per channel kept whole and in `seq` order (synced after every reconnection and on any
gap), and an outbox that sends each message once, with the same `client_msg_id` on retry.
The events are described by the server at `/api/v1/asyncapi.json`.
"""

from .client import Client
from .errors import AckError, ApiError, LoggedOut, NotDelivered
from .outbox import Outbox
from .session import Rest, Session
from .store import ChannelStore, channel_key, channel_ref

__all__ = [
    "AckError",
    "ApiError",
    "ChannelStore",
    "Client",
    "LoggedOut",
    "NotDelivered",
    "Outbox",
    "Rest",
    "Session",
    "channel_key",
    "channel_ref",
]
