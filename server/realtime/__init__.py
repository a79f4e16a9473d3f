"""Socket.IO handlers: validate with protocol/, call a service, acknowledge, emit."""
