"""Prometheus metrics of this process, served at `GET /metrics`.

Module-level objects on prometheus-client's default registry: any module increments
them without plumbing, and each server process reports its own figures (a scraper sums
them across processes). Label values are bounded sets (event names, route templates,
status codes), never user input, so the series count stays small.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

connected_sockets = Gauge(
    "aurentia_connected_sockets", "Socket.IO connections open on this process"
)
socket_events = Counter(
    "aurentia_socket_events_total", "Socket.IO events received", ["event", "outcome"]
)
socket_ack_seconds = Histogram(
    "aurentia_socket_ack_seconds",
    "Time from receiving a Socket.IO event to its ack",
    ["event"],
    buckets=LATENCY_BUCKETS,
)
messages_stored = Counter("aurentia_messages_stored_total", "Chat messages committed")
broadcast_deliveries = Counter(
    "aurentia_broadcast_deliveries_total", "Frames written to sockets by room broadcasts"
)
redis_publish_failures = Counter(
    "aurentia_redis_publish_failures_total",
    "Cross-process emits that could not be published to Redis",
)
db_pool_connections = Gauge(
    "aurentia_db_pool_connections", "Database pool connections by state", ["state"]
)
http_requests = Counter(
    "aurentia_http_requests_total", "HTTP requests served", ["method", "route", "status"]
)
http_request_seconds = Histogram(
    "aurentia_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
