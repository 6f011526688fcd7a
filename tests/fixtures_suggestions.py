"""Factory fixtures of the suggestions domain (registered in conftest.pytest_plugins)."""
