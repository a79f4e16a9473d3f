"""Typed keys of the objects the application shares (aiohttp's `web.AppKey`)."""

from __future__ import annotations

import socketio
from aiohttp import web
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from store.db import SessionFactory

from .realtime.presence import Presence
from .services.core import Services
from .settings import Settings

SETTINGS = web.AppKey("settings", Settings)
SIGNING_SECRET = web.AppKey("signing_secret", str)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", SessionFactory)
SIO = web.AppKey("sio", socketio.AsyncServer)
REDIS = web.AppKey("redis", Redis)
SERVICES = web.AppKey("services", Services)
PRESENCE = web.AppKey("presence", Presence)
