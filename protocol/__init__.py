"""Wire models of Aurentia: every REST payload and Socket.IO event, enums and error codes.

This package performs no I/O and imports nothing else of ours, so clients and both
transports can share it.
"""
