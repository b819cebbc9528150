"""Textual key names to tmux `send-keys` arguments, for a taken-over pane.

Printable characters go literally (`send-keys -l`); everything else by tmux's key name, with
tmux's modifier prefixes (`C-`, `M-`, `S-`).
"""

from __future__ import annotations

NAMED = {
    "escape": "Escape",
    "enter": "Enter",
    "tab": "Tab",
    "backspace": "BSpace",
    "delete": "DC",
    "insert": "IC",
    "home": "Home",
    "end": "End",
    "pageup": "PPage",
    "pagedown": "NPage",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    "space": "Space",
    **{f"f{n}": f"F{n}" for n in range(1, 25)},
}
MODIFIERS = {"ctrl": "C-", "alt": "M-", "meta": "M-", "shift": "S-"}
# Textual names some punctuation keys by word; tmux wants the character.
WORDS = {
    "right_square_bracket": "]",
    "left_square_bracket": "[",
    "backslash": "\\",
    "circumflex_accent": "^",
    "underscore": "_",
    "at": "@",
    "question_mark": "?",
    "minus": "-",
    "slash": "/",
}


def tmux_keys(key: str, character: str | None) -> list[str]:
    """The arguments after `send-keys -t PANE` for one key event: `["-l", "--", text]` for
    text, or `["C-c"]`-style key names. Empty when the key has no tmux equivalent."""
    if key == "shift+tab":
        return ["BTab"]
    *mods, base = key.split("+") if key != "+" else ["+"]
    if not mods and character and character.isprintable():
        return ["-l", "--", character]
    name = NAMED.get(base) or WORDS.get(base) or (base if len(base) == 1 else None)
    if name is None:
        if character and character.isprintable():
            return ["-l", "--", character]
        return []
    prefix = "".join(MODIFIERS[m] for m in ("ctrl", "alt", "meta", "shift") if m in mods)
    if len(name) == 1 and "shift" in mods:
        # tmux takes shifted characters as themselves (S-a is not a key).
        prefix = prefix.replace("S-", "")
        name = name.upper()
    return [prefix + name]


def escape_chord(spec: str) -> tuple[str, str]:
    """(Textual key, tmux key) for the chord that gives a taken-over pane's keyboard back:
    `f1` .. `f12` or `ctrl+<letter>`; ValueError for anything else."""
    key = spec.strip().lower().replace("-", "+")
    if key in {f"f{n}" for n in range(1, 13)}:
        return key, key.upper()
    mod, _, letter = key.partition("+")
    if mod in ("ctrl", "c") and len(letter) == 1 and letter.isalpha():
        return f"ctrl+{letter}", f"C-{letter}"
    raise ValueError(
        f"escape chord {spec!r}: use f1 .. f12 or ctrl+<letter> (ctrl+] always works too)"
    )
