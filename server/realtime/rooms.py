"""Joining rooms on behalf of an organization, and commands every process runs itself.

Room names and who belongs in which room are decided in server/audience.py (re-exported
here for the handlers). Room membership is per process in python-socketio; commands
that must reach the sockets of every process ("access changed for user U", "end these
sessions") therefore travel as reserved events on the manager's own pub/sub channel,
which keeps them in order with the emits published before and after them: an emit that
follows a command on the channel reaches each process only once the command has run
there. Every room a socket enters for an organization (channels, project subscriptions)
is remembered in its state, so that the rooms can be re-checked.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import socketio

# Re-exported for the handlers (and tests) that join these rooms.
from ..audience import channel_room as channel_room
from ..audience import project_room as project_room
from .session import SocketState

log = logging.getLogger("aurentia.realtime")

NAMESPACE = "/"
COMMAND_PREFIX = "__aurentia:"
COMMANDS_KEY = "aurentia_commands"

Command = Callable[[dict[str, Any]], Awaitable[None]]


async def join_org_room(
    sio: socketio.AsyncServer, state: SocketState, org_id: uuid.UUID, room: str
) -> None:
    """Enter `room` as part of `org_id`: leaving the organization leaves it too."""
    await sio.enter_room(state.sid, room)
    state.org_rooms.setdefault(org_id, set()).add(room)


async def leave_org_room(
    sio: socketio.AsyncServer, state: SocketState, org_id: uuid.UUID, room: str
) -> None:
    await sio.leave_room(state.sid, room)
    state.org_rooms.get(org_id, set()).discard(room)


def _commands(manager: socketio.AsyncManager) -> dict[str, Command]:
    commands: dict[str, Command] = vars(manager).setdefault(COMMANDS_KEY, {})
    return commands


def register_command(sio: socketio.AsyncServer, name: str, run: Command) -> None:
    """Make this process run `run(data)` whenever any process calls `run_everywhere`."""
    _commands(sio.manager)[COMMAND_PREFIX + name] = run


async def _run_local(manager: socketio.AsyncManager, event: str, data: dict[str, Any]) -> None:
    run = _commands(manager).get(event)
    if run is None:
        # A process of another version (a rolling deploy) or one that serves no sockets
        # (a manager without live rights) has nothing to do for it: not an error.
        log.debug("command not handled here", extra={"fields": {"command": event}})
        return
    await run(data)


class ClusterRedisManager(socketio.AsyncRedisManager):  # type: ignore[misc]
    """The Redis manager, plus the commands handled on every process."""

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        event = message.get("event")
        if isinstance(event, str) and event.startswith(COMMAND_PREFIX):
            await _run_local(self, event, message["data"][0])
            return
        await super()._handle_emit(message)


async def run_everywhere(sio: socketio.AsyncServer, name: str, data: dict[str, Any]) -> None:
    """Run command `name` on this process now, then on every other one (through Redis)."""
    event = COMMAND_PREFIX + name
    if isinstance(sio.manager, ClusterRedisManager):
        await sio.manager.emit(event, data, namespace=NAMESPACE)
    else:
        await _run_local(sio.manager, event, data)
