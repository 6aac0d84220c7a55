"""What text a client may send: one cleaning rule for every string that enters the service.

Clients paste from chat apps, spreadsheets and OCR, and attackers send what breaks logs and pages: NUL
(PostgreSQL refuses it in text), ANSI escape sequences, right-to-left overrides that make a name read
backwards, zero-width characters that make two equal names differ, a BOM, lone UTF-16 surrogates (which
cannot be encoded to UTF-8 at all). :func:`clean` removes them and puts the text in Unicode NFC, so equal
text is stored equally; :func:`single_line` also folds line breaks and tabs for names and titles.
Private-use characters stay: some Chinese systems encode rare characters in names there.
"""

from __future__ import annotations

import re
import unicodedata

# ESC [ … final byte (CSI) and ESC ] … BEL/ST (OSC): the sequences terminals act on.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_KEEP_CONTROLS = {"\n", "\t"}
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs"}  # controls, invisible format characters (ZW*, bidi, BOM), surrogates
_SPACES = re.compile(r"\s+")
_SUSPECT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
                      r"\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]|[\U000e0000-\U000e007f]")


def _drop(text: str) -> str:
    text = _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch in _KEEP_CONTROLS or unicodedata.category(ch) not in _DROPPED_CATEGORIES)


def clean(text: str) -> str:
    """``text`` without control (but line breaks and tabs), invisible or surrogate characters, in NFC."""
    if _SUSPECT.search(text) or "\r" in text or "\x1b" in text:
        text = _drop(text)
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def single_line(text: str) -> str:
    """:func:`clean`, with every run of white space (line breaks included) made one space."""
    return _SPACES.sub(" ", clean(text)).strip()


def has_hidden(text: str) -> bool:
    """Whether ``text`` holds a character :func:`clean` removes (for values that must be refused, not fixed)."""
    return bool(_SUSPECT.search(text)) or "\x1b" in text or "\r" in text
