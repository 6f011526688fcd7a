"""The key projects domain's registrations: its status words for the audit log."""
from __future__ import annotations

from blueprints.core.audit_labels import register_status_labels
from blueprints.projects.labels import STATUS_LABELS

register_status_labels("key_projects", STATUS_LABELS)
