"""Which worker reads which camera: rendezvous hashing over the workers with a fresh heartbeat."""
