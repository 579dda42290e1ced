"""Snapshots: the latest keyframe of every camera, and fresh ones from the cameras around an incident."""
