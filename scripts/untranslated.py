"""List the English catalogue's untranslated or fuzzy messages (exit 1 if any), for translators and for CI."""
import sys
from pathlib import Path

from babel.messages.pofile import read_po

path = Path(__file__).resolve().parent.parent / "translations/en/LC_MESSAGES/messages.po"
with path.open("rb") as f:
    catalog = read_po(f)
missing = [m for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string))
                                          or m.fuzzy)]
for m in missing:
    print(f"untranslated: {m.id!r}")
print(f"{len(missing)} of {len(catalog)} English messages need translating")
sys.exit(1 if missing else 0)
