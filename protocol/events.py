"""Socket.IO event names, client to server and server to client."""

from __future__ import annotations

from typing import Final

# Server to client.
SESSION: Final = "session"
AUTH_EXPIRED: Final = "auth:expired"
ORG_ADDED: Final = "organization:added"
ORG_REMOVED: Final = "organization:removed"
CHANNEL_ADDED: Final = "channel:added"
CHANNEL_REMOVED: Final = "channel:removed"
PROJECT_UNSUBSCRIBED: Final = "project:unsubscribed"
MILESTONE_UPDATED: Final = "milestone:updated"
MILESTONE_DELETED: Final = "milestone:deleted"
TASK_CREATED: Final = "task:created"
TASK_UPDATED: Final = "task:updated"
TASK_DELETED: Final = "task:deleted"

# Client to server.
AUTH_REFRESH: Final = "auth:refresh"
TASK_CREATE: Final = "task:create"
TASK_UPDATE: Final = "task:update"
TASK_MOVE: Final = "task:move"
TASK_DELETE: Final = "task:delete"
MILESTONE_UPDATE: Final = "milestone:update"
