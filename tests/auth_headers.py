"""The token the tests' settings give ``/metrics`` and the header a scraper sends with it."""

METRICS_TOKEN = "metrics-test-token"
METRICS_AUTH = {"Authorization": f"Bearer {METRICS_TOKEN}"}
