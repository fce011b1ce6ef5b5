"""Fill Czech translations into the catalogue from a JSON object {english msgid: czech text}.

    python scripts/po_fill.py new-strings.json      # fill, then `flask translate compile`
    python scripts/po_fill.py --missing             # list msgids that still have no Czech text

Run `flask translate update` first so that new msgids are in the catalogue.
"""

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "portal" / "translations" / "cs" / "LC_MESSAGES" / "messages.po"


def _translated(message) -> bool:
    """A message is translated when every form (plural forms included) has Czech text."""
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def main(argv: list[str]) -> int:
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="cs")
    if argv and argv[0] == "--missing":
        missing = [m.id for m in catalog if m.id and not _translated(m)]
        keys = {(i if isinstance(i, str) else i[0]): "" for i in missing}
        print(json.dumps(keys, ensure_ascii=False, indent=1))
        return 1 if missing else 0
    mapping = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        if key in mapping:
            value = mapping[key]
            if isinstance(message.id, tuple):
                message.string = tuple(value) if isinstance(value, list) else (value,) * 3
            else:
                message.string = value
            message.flags.discard("fuzzy")
            filled += 1
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True, omit_header=False)
    print(f"filled {filled} of {len(mapping)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
