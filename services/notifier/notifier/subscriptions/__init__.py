"""Partner agencies' webhook subscriptions (Standard Webhooks)."""
