"""Live camera video for the console: signed tickets, one upstream per camera shared by its viewers."""
