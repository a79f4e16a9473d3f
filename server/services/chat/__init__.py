"""Channels, messages, threads, pins, mentions, files, search and the unread digest."""
