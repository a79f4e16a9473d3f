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
from .finance import BudgetOut, InvoiceOut
from .milestones import MilestoneDeleted, MilestoneOut
from .notifications import NotificationNew
from .presence import PresenceUpdated
from .projects import ProjectOut
from .realtime import (
    AuthExpired,
    ChannelRemoved,
    OrganizationAdded,
    OrganizationRemoved,
    ProjectUnsubscribed,
    SessionInfo,
)
from .tasks import TaskDeleted, TaskOut
from .time import TimeEntryOut


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
    AuthExpired,
    "The access token expired without `auth:refresh`, or the session was ended (logout, "
    "logout-all, password change, refresh-token reuse); the server disconnects the socket "
    "right after. Reconnect with a fresh token (or sign in again).",
    "the socket whose token expired; every socket of an ended session, on every process",
)
ORG_ADDED: Final = server_event(
    "organization:added",
    OrganizationAdded,
    "The user became a member of an organization while connected (join code, invitation, "
    "creation): their sockets are already in its rooms; `session` follows with the roles.",
    "the new member's sockets",
)
ORG_REMOVED: Final = server_event(
    "organization:removed",
    OrganizationRemoved,
    "The user is no longer a member of the organization: their sockets left all its rooms.",
    "the removed user's sockets",
)
PROJECT_UNSUBSCRIBED: Final = server_event(
    "project:unsubscribed",
    ProjectUnsubscribed,
    "The user may no longer read a project the socket had subscribed to (role, client "
    "contact, deletion): it hears none of its events any more.",
    "the subscribed sockets of the user who lost access",
)
MILESTONE_UPDATED: Final = server_event(
    "milestone:updated",
    MilestoneOut,
    "A milestone of a subscribed project was created or changed (through REST or a socket).",
    "sockets subscribed to the project (`project:subscribe`); an organization-level "
    "milestone: the members whose role reads every project (not CLIENT)",
)
MILESTONE_DELETED: Final = server_event(
    "milestone:deleted",
    MilestoneDeleted,
    "A milestone of a subscribed project was deleted.",
    "sockets subscribed to the project (`project:subscribe`); an organization-level "
    "milestone: the members whose role reads every project (not CLIENT)",
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
    "a new organization channel: the members whose role reads organization channels "
    "(not CLIENT); a group: the added user's sockets; a new client contact: the client's "
    "project channels",
)
CHANNEL_UPDATED: Final = server_event(
    "channel:updated",
    ChannelInfo,
    "A channel's name, description or archived state changed (organization channels: "
    "managers and above; groups: any member).",
    "the sockets of everyone who reads the channel (their own rooms, never the "
    "organization's, which holds its clients)",
)
CHANNEL_REMOVED: Final = server_event(
    "channel:removed",
    ChannelRemoved,
    "The user may no longer read a channel (removed from a group, role or client contact "
    "changed, channel or project deleted): their sockets left its room and hear nothing more.",
    "the sockets of the user who lost access that had joined the channel",
)
PRESENCE_UPDATED: Final = server_event(
    "presence:updated",
    PresenceUpdated,
    "A member of an organization the user shares changed status (online, away, offline).",
    "the sockets of members who may list the organization's members (not CLIENT)",
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
PROJECT_UPDATED: Final = server_event(
    "project:updated",
    ProjectOut,
    "A subscribed project's fields changed (name, dates, status, lead, client...).",
    "sockets subscribed to the project (`project:subscribe`)",
)
BUDGET_UPDATED: Final = server_event(
    "budget:updated",
    BudgetOut,
    "A project's budget was set or changed.",
    "the sockets of the organization's finance roles (those who see financials: managers, "
    "admins, owners)",
)
INVOICE_CREATED: Final = server_event(
    "invoice:created",
    InvoiceOut,
    "An invoice was created; `statut_paiement` as read on the firm's today.",
    "the sockets of the organization's finance roles (managers, admins, owners)"
    " and of the project's client contact (a CLIENT member)",
)
INVOICE_UPDATED: Final = server_event(
    "invoice:updated",
    InvoiceOut,
    "An invoice was changed (amount, dates, number, payment status).",
    "the sockets of the organization's finance roles (managers, admins, owners)"
    " and of the project's client contact (a CLIENT member)",
)
TIME_ENTRY_CREATED: Final = server_event(
    "time-entry:created",
    TimeEntryOut,
    "A time entry was logged.",
    "the sockets of its author and of the validators (roles that read everyone's time)",
)
TIME_ENTRY_UPDATED: Final = server_event(
    "time-entry:updated",
    TimeEntryOut,
    "A time entry was corrected, rejected or reopened.",
    "the sockets of its author and of the validators (roles that read everyone's time)",
)
TIME_ENTRY_VALIDATED: Final = server_event(
    "time-entry:validated",
    TimeEntryOut,
    "A time entry was validated.",
    "the sockets of its author and of the validators (roles that read everyone's time)",
)

# Client to server.
AUTH_REFRESH: Final = "auth:refresh"
TASK_CREATE: Final = "task:create"
TASK_UPDATE: Final = "task:update"
TASK_MOVE: Final = "task:move"
TASK_DELETE: Final = "task:delete"
MILESTONE_UPDATE: Final = "milestone:update"
