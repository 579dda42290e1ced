"""Development tooling, apart from the runtime library: the embedded stack, the platform runner (`kentongan up`),
the development OpenID provider, local HTTP receivers, fake cameras and the pytest plugin.

Needs the `kentongan[dev]` extra; no runtime module imports it (shared/tests/test_dev_apart.py), so production
images install the runtime only.
"""
