"""Names people give units and measures: one Unicode form, nothing hidden, no look-alikes.

Every way a name comes in (an upload's team and measure columns, the new-team form, the
hierarchy CSV, definitions, aliases) goes through here:

* ``normalised``: the name in Unicode NFC, so "é" typed as one character or as "e" and an
  accent is one name.
* ``hidden_problem``: a name holding a character that cannot be seen — zero-width spaces and
  joiners, a byte-order mark, a soft hyphen, a word joiner, control characters — or one that
  changes the direction text is shown in (U+202A–202E, U+2066–2069, U+200E/200F, U+061C) is
  refused: two names that look the same would be two units, and a direction override shows
  text in an order other than the one stored.
* ``skeleton`` and ``look_alike``: a new name that would read the same as an existing one —
  the same after NFKC, case folding, runs of spacing and common confusable letters (Cyrillic and
  Greek letters drawn like Latin ones, after Unicode Technical Standard #39, "Unicode Security
  Mechanisms", confusables.txt: https://www.unicode.org/reports/tr39/) — is flagged before it
  is created.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping

# Direction controls: embeddings and overrides, isolates, marks (Unicode bidi, UAX #9).
_BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}
# Invisible characters outside the format (Cf) and control (Cc) categories: the combining
# grapheme joiner and the Hangul fillers, which draw as nothing.
_INVISIBLE = {0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0}

# Letters of other scripts drawn like Latin ones (UTS #39 confusables.txt, a small subset:
# the Cyrillic and Greek letters that look like a Latin letter in common fonts).
_CONFUSABLE = str.maketrans({
    # Cyrillic
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q", "Ԝ": "W",
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "ο": "o", "ν": "v", "α": "a", "ι": "i", "κ": "k", "ρ": "p", "υ": "u", "χ": "x",
})


def normalised(text: str) -> str:
    """The name in Unicode NFC (composed), as stored and compared."""
    return unicodedata.normalize("NFC", text)


def _hidden(char: str) -> bool:
    code = ord(char)
    return code in _BIDI or code in _INVISIBLE or unicodedata.category(char) in ("Cf", "Cc")


def _described(char: str) -> str:
    code = ord(char)
    name = unicodedata.name(char, "").lower() or "a control character"
    return f"{name} (U+{code:04X})"


def shown(text: str) -> str:
    """The name with each hidden character written as its code, e.g. "Ash<U+200B> Ward"."""
    return "".join(f"<U+{ord(c):04X}>" if _hidden(c) else c for c in text)


def hidden_problem(text: str) -> str | None:
    """Why a name is refused for a hidden or direction character; None if it has none."""
    found = list(dict.fromkeys(c for c in text if _hidden(c)))
    if not found:
        return None
    direction = any(ord(c) in _BIDI for c in found)
    kind = "a character that changes the direction text is shown in" if direction else "a character that cannot be seen"
    return (f"'{shown(text)}' has {kind}: {', '.join(_described(c) for c in found)}. "
            "Type the name again without it.")


def skeleton(text: str) -> str:
    """What a name looks like: two names with the same skeleton read the same on screen."""
    folded = unicodedata.normalize("NFKC", text).translate(_CONFUSABLE)
    return " ".join(unicodedata.normalize("NFKC", folded).casefold().split())


def look_alike(name: str, existing: Mapping[str, str]) -> str | None:
    """The code of an existing unit or measure (``existing``: code → name) whose name reads
    the same as ``name`` but is not the same text; None if there is none."""
    key = skeleton(name)
    for code, known in existing.items():
        if known != name and normalised(known) != normalised(name) and skeleton(known) == key:
            return code
    return None


def look_alike_problem(name: str, existing: Mapping[str, str], what: str = "team") -> str | None:
    """E.g. "'Αsh Ward' looks like the existing team 'Ash Ward' (W-ASH)"; None if it does not."""
    code = look_alike(name, existing)
    if code is None:
        return None
    return (f"'{shown(name)}' looks like the existing {what} '{existing[code]}' ({code}) but is not the same "
            f"text (letters from another alphabet, or different spacing or case): use '{existing[code]}' or {code}.")


def look_alikes_among(names: Iterable[str]) -> dict[str, str]:
    """Names in one list that read the same as an earlier, different one: later → earlier."""
    first: dict[str, str] = {}
    found = {}
    for name in names:
        key = skeleton(name)
        if key in first and first[key] != name:
            found[name] = first[key]
        first.setdefault(key, name)
    return found


def new_look_alikes(new: Mapping[str, str], existing: Mapping[str, str], what: str = "measure") -> list[str]:
    """For each new or renamed item (``new``: code → name), why its name passes for another
    existing item's (``existing``: code → name; an item is never compared with itself)."""
    found = []
    for code, name in new.items():
        problem = look_alike_problem(name, {c: n for c, n in existing.items() if c != code}, what)
        if problem:
            found.append(f"{code}: {problem}")
    return found
