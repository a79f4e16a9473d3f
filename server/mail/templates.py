"""Mail templates (Jinja2), French by default or English, each as plain text and HTML.

Each kind has `<kind>.<locale>.txt` (blocks `subject` and `body`, not escaped) and
`<kind>.<locale>.html` (autoescaped: a name or an organization chosen by a user can
never inject markup). Every template sees `product` and `public_url`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from protocol.enums import Locale

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], ["txt"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def locale_of(value: str | None) -> Locale:
    """A profile's locale, French for anything unknown."""
    try:
        return Locale(value) if value else Locale.FR
    except ValueError:
        return Locale.FR


def render(kind: str, locale: Locale, context: dict[str, Any]) -> Rendered:
    env = _environment()
    text_template = env.get_template(f"{kind}.{locale.value}.txt")
    ctx = text_template.new_context(dict(context))
    subject = "".join(text_template.blocks["subject"](ctx)).strip()
    text = "".join(text_template.blocks["body"](ctx)).strip() + "\n"
    html = env.get_template(f"{kind}.{locale.value}.html").render(context)
    return Rendered(" ".join(subject.split()), text, html)
