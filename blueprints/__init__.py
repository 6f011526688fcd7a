"""Domain packages: one blueprint per domain, each with its views, forms, models and services."""
