"""CAP 1.2 (OASIS Common Alerting Protocol): each RT broadcast published as a public, victim-safe `<alert>`."""
