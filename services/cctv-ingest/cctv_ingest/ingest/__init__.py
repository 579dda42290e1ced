"""Pulling keyframes from cameras with PyAV, and the scheduler that decides which camera to pull when."""
