"""RT representatives and Polisi RW: who to alert near a coordinate."""
