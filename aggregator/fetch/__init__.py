"""Fetching: the guarded HTTP client, the SSRF guard, polling policy and feed polling."""
