"""Merge English translations from JSON files ({"中文 msgid": "English"}) into translations/en/.../messages.po.

Usage: .venv/bin/python scripts/fill_po.py translations/pending/*.json
A pgettext message is keyed "context::msgid". A plural message takes a list:
{"%(num)s 条未读通知": ["%(num)s unread notification", "%(num)s unread notifications"]}.
Unknown msgids are reported (run scripts/i18n.sh first so the catalogue knows them).
"""
import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

root = Path(__file__).resolve().parent.parent
po_path = root / "translations/en/LC_MESSAGES/messages.po"
with po_path.open("rb") as f:
    catalog = read_po(f)
unknown = []
mismatched = []
filled = 0
for name in sys.argv[1:]:
    for msgid, text in json.loads(Path(name).read_text(encoding="utf-8")).items():
        # "context::msgid" addresses a pgettext message, e.g. "nav::建议审核".
        context, _, plain = msgid.rpartition("::")
        message = catalog.get(plain, context=context or None)
        if message is None:
            # Plural entries are keyed by their singular id (the same Chinese text here).
            message = next((m for m in catalog if isinstance(m.id, tuple) and m.id[0] == plain), None)
        if message is None:
            unknown.append(msgid)
            continue
        if isinstance(message.id, tuple) != isinstance(text, list):
            # A plural message needs a list of forms; a stale singular entry must not overwrite it.
            mismatched.append(msgid)
            continue
        message.string = tuple(text) if isinstance(message.id, tuple) else text
        message.flags.discard("fuzzy")
        filled += 1
with po_path.open("wb") as f:
    write_po(f, catalog, width=0, omit_header=False, sort_output=True, include_previous=False)
print(f"filled {filled} messages")
for msgid in unknown:
    print(f"not in catalogue (stale or misspelt): {msgid!r}")
for msgid in mismatched:
    print(f"singular/plural mismatch, skipped: {msgid!r}")
