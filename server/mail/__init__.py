"""Mail: templates, the message format, the transports (SMTP or .eml files) and the
outbox worker that sends what committed transactions queued."""
