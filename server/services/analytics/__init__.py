"""Health, drifts, risk predictions, incidents, alerts and the periodic job."""
