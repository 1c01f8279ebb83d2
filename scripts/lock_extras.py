"""After ``uv pip compile --no-strip-extras``: give each ``name[extra]==version`` pin a plain ``name==version``
twin with the same hashes. pip (23.x, in --require-hashes mode) needs the extra spelled out where a package
asks for it (ralph-malph wants ``pydantic[email]``) and the plain name where another asks for that
(django-ninja wants ``pydantic``); the lock alone would leave one of them unpinned.

    python scripts/lock_extras.py requirements/main.lock requirements/dev.lock
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

BLOCK = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)\[[^\]]+\]==(?P<version>\S+) \\\n(?P<hashes>(?:    --hash=\S+(?: \\)?\n)+)",
                   re.MULTILINE)


def twin(text: str) -> str:
    plain = {m.group(1).lower() for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", text, re.MULTILINE)}
    out, last = [], 0
    for match in BLOCK.finditer(text):
        out.append(text[last:match.start()])
        if match.group("name").lower() not in plain:
            out.append(f"{match.group('name')}=={match.group('version')} \\\n{match.group('hashes')}")
        out.append(match.group(0))
        last = match.end()
    out.append(text[last:])
    return "".join(out)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        path = Path(name)
        path.write_text(twin(path.read_text()))
