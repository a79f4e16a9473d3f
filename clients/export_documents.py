"""Write the server's OpenAPI and AsyncAPI documents into clients/typescript/api/.

The TypeScript types are generated from these files (clients/typescript/scripts/
generate-types.mjs); CI runs this, then the generator, and fails when either differs from
what is committed (`clients/regenerate`). The app is built without starting it: no
database is opened.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from server.app import create_app
from server.rest.eventdocs import document_of
from server.rest.openapi import build_document
from server.settings import Settings

OUT = Path(__file__).resolve().parent / "typescript" / "api"


def main() -> None:
    settings = Settings(
        database_url="sqlite+aiosqlite:///:memory:",
        jwt_secret="documents-only-never-signs-anything-0123456789",
        redis_url=None,
    )
    app = create_app(settings)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, document in (
        ("openapi.json", build_document(app)),
        ("asyncapi.json", document_of(app)),
    ):
        text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT / name}", file=sys.stderr)


if __name__ == "__main__":
    main()
