"""The Aurentia server: aiohttp REST API, Socket.IO realtime layer, services and CLI."""
