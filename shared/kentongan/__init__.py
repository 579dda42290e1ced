"""The Kentongan shared library: one home for the mechanisms every service uses."""
