"""The camera registry: register, import in bulk, update, find the cameras around a place."""
