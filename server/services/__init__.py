"""The rules. Transport-agnostic: a service neither knows nor cares whether HTTP or a
socket called it. Each public function opens one transaction, calls the store, and
queues the events to emit once it has committed."""
