"""The Command Center console: a live web page for operators, served by dispatch at /console."""
