"""Camera health: the state machine of one camera, and the counts operators watch."""
