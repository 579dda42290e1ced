"""The local development inbox, where messages land when no provider is configured."""
