"""Delivery channels behind one interface: webhook, SMS gateway, push, and the development inbox."""
