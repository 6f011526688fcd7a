"""The honours domain's registrations: its status words for the audit log."""
from __future__ import annotations

from blueprints.core.audit_labels import register_status_labels
from blueprints.honours.labels import STATUS_LABELS

register_status_labels("honour_nominations", STATUS_LABELS)
