"""The dashboard: web pages for signing in, API keys, usage, members and audit."""
