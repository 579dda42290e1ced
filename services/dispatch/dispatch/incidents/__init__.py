"""Incidents: intake from topics, the queue and detail reads, operator actions, the live stream."""

PREFIX = "/v1/incidents"
