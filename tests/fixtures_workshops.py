"""Factory fixtures of the workshops domain (registered in conftest.pytest_plugins)."""
