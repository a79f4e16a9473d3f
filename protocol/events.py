"""Socket.IO event names, client to server and server to client, and the description of
every server-to-client event.

A server-to-client event is declared once with `server_event(name, payload, summary,
receivers)`: the AsyncAPI document (`/api/v1/asyncapi.json`) is generated from this
registry and from the dispatcher's (client-to-server events, server/realtime/dispatch.py),
and a test fails when an event name used by the server is described in neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from pydantic import BaseModel

from . import pushes
from .chat import ChannelInfo, Deleted, Message, ReactionsOut
from .milestones import MilestoneDeleted, MilestoneOut
from .notifications import NotificationNew
from .presence import PresenceUpdated
from .realtime import SessionInfo
from .tasks import TaskDeleted, TaskOut


@dataclass(frozen=True)
class ServerEvent:
    """One server-to-client event: its payload model, what it means, who receives it."""

    name: str
    payload: type[BaseModel]
    summary: str
    receivers: str


SERVER_EVENTS: dict[str, ServerEvent] = {}


def server_event(name: str, payload: type[BaseModel], summary: str, receivers: str) -> str:
    """Describe a server-to-client event and answer its name (for the constant)."""
    if name in SERVER_EVENTS:
        raise ValueError(f"server event {name!r} is described twice")
    SERVER_EVENTS[name] = ServerEvent(name, payload, summary, receivers)
    return name


# Server to client.
SESSION: Final = server_event(
    "session",
    SessionInfo,
    "Sent once a socket is accepted: who the user is, their organizations and roles, and "
    "when the access token expires.",
    "the socket that connected",
)
AUTH_EXPIRED: Final = server_event(
    "auth:expired",
    pushes.AuthExpired,
    "The access token expired without `auth:refresh`; the server disconnects the socket "
    "right after. Reconnect with a fresh token.",
    "the socket whose token expired",
)
ORG_REMOVED: Final = server_event(
    "organization:removed",
    pushes.OrganizationRemoved,
    "The user is no longer a member of the organization.",
    "the removed user's sockets",
)
MILESTONE_UPDATED: Final = server_event(
    "milestone:updated",
    MilestoneOut,
    "A milestone of a subscribed project was created or changed (through REST or a socket).",
    "sockets subscribed to the project (`project:subscribe`)",
)
MILESTONE_DELETED: Final = server_event(
    "milestone:deleted",
    MilestoneDeleted,
    "A milestone of a subscribed project was deleted.",
    "sockets subscribed to the project (`project:subscribe`)",
)
TASK_CREATED: Final = server_event(
    "task:created",
    TaskOut,
    "A task was created in a subscribed project.",
    "sockets subscribed to the project (`project:subscribe`)",
)
TASK_UPDATED: Final = server_event(
    "task:updated",
    TaskOut,
    "A task of a subscribed project was changed or moved.",
    "sockets subscribed to the project (`project:subscribe`)",
)
TASK_DELETED: Final = server_event(
    "task:deleted",
    TaskDeleted,
    "A task of a subscribed project was deleted.",
    "sockets subscribed to the project (`project:subscribe`)",
)
MESSAGE_NEW: Final = server_event(
    "message:new",
    Message,
    "A message was stored in a channel. `seq` is per channel, gapless and in commit order: "
    "a client that sees a gap asks `sync` for what it missed.",
    "sockets that joined the channel (`channel:join`); for a direct channel, every socket of "
    "both users; the sender's socket that sent it is skipped (it has the ack)",
)
MESSAGE_UPDATED: Final = server_event(
    "message:updated",
    Message,
    "A message was edited (`edited_at` set); replace the stored copy.",
    "sockets that joined the channel; for a direct channel, every socket of both users",
)
MESSAGE_DELETED: Final = server_event(
    "message:deleted",
    Deleted,
    "A message was deleted: keep it as a tombstone (`deleted: true`, empty content) so the "
    "sequence stays whole.",
    "sockets that joined the channel; for a direct channel, every socket of both users",
)
REACTION_UPDATED: Final = server_event(
    "reaction:updated",
    ReactionsOut,
    "The reactions of a message changed; the payload holds all of them.",
    "sockets that joined the message's channel; for a direct channel, both users",
)
TYPING: Final = server_event(
    "typing",
    pushes.Typing,
    "Someone else started or stopped typing; `typing: true` expires by itself after "
    "TYPING_TIMEOUT_SECONDS unless refreshed (the server then sends `typing: false`).",
    "sockets that joined the channel, but the typist's; for a direct channel, the peer",
)
CHANNEL_READ: Final = server_event(
    "channel:read",
    pushes.ChannelReadPush,
    "The same user read up to `read_seq` on another device; `unread_count` is the server's.",
    "the reader's other sockets",
)
MESSAGE_READ: Final = server_event(
    "message:read",
    pushes.MessageReadReceipt,
    "Read receipt: the peer of a direct conversation read up to `seq`.",
    "the peer's sockets",
)
CHANNEL_ADDED: Final = server_event(
    "channel:added",
    ChannelInfo,
    "A channel was created in an organization, or the user was added to a group.",
    "the organization's sockets (new organization channel) or the added user's sockets",
)
CHANNEL_REMOVED: Final = server_event(
    "channel:removed",
    pushes.ChannelRemoved,
    "The user was removed from a group: their sockets left its room and hear nothing more.",
    "the removed user's sockets",
)
PRESENCE_UPDATED: Final = server_event(
    "presence:updated",
    PresenceUpdated,
    "A member of an organization the user shares changed status (online, away, offline).",
    "the organization's sockets",
)
NOTIFICATION_NEW: Final = server_event(
    "notification:new",
    NotificationNew,
    "A notification for this user, with their new unread count.",
    "the user's sockets",
)
NOTIFICATION_READ: Final = server_event(
    "notification:read",
    pushes.NotificationsRead,
    "Notifications were marked read on another device; `unread_count` is the server's.",
    "the user's other sockets",
)

# Client to server.
AUTH_REFRESH: Final = "auth:refresh"
TASK_CREATE: Final = "task:create"
TASK_UPDATE: Final = "task:update"
TASK_MOVE: Final = "task:move"
TASK_DELETE: Final = "task:delete"
MILESTONE_UPDATE: Final = "milestone:update"
