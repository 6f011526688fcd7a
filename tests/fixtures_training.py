"""Factory fixtures of the training domain (registered in conftest.pytest_plugins)."""
