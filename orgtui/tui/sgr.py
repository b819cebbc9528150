"""The SGR state of a terminal: the colours and attributes that `ESC [ ... m` sequences leave
set. What an SGR's parameters do to the state (`sgr_op`), the state after one (`sgr`), and
the state's rich `Style` (`style_of`).

Captures are decoded for every dirty pane at up to 30 fps, so parsed SGRs and styles are
cached; `ansi.py`'s row decoder reads the caches itself (a hit is a dict lookup, not a call).
"""

from __future__ import annotations

from typing import Final

from rich.color import Color, ColorType
from rich.color_triplet import ColorTriplet
from rich.style import Style

__all__ = [
    "CACHE_LIMIT",
    "DEFAULT_STATE",
    "KEEP",
    "NOT_CACHED",
    "SgrOp",
    "SgrState",
    "default_background",
    "op_cache",
    "sgr",
    "sgr_op",
    "style_cache",
    "style_of",
]

# Attribute bits of the SGR state.
_BOLD, _DIM, _ITALIC, _UNDERLINE, _BLINK, _REVERSE, _CONCEAL, _STRIKE, _OVERLINE = (
    1 << n for n in range(9)
)
_ALL: Final = (1 << 9) - 1
_SET: Final = {1: _BOLD, 2: _DIM, 3: _ITALIC, 4: _UNDERLINE, 5: _BLINK, 6: _BLINK, 7: _REVERSE,
               8: _CONCEAL, 9: _STRIKE, 21: _UNDERLINE, 53: _OVERLINE}  # fmt: skip
_CLEAR: Final = {22: _BOLD | _DIM, 23: _ITALIC, 24: _UNDERLINE, 25: _BLINK, 27: _REVERSE,
                 28: _CONCEAL, 29: _STRIKE, 55: _OVERLINE}  # fmt: skip

# A colour is an int: -1 the default, 0-255 an indexed colour, 256 + 0xRRGGBB a truecolor one;
# in a parsed SGR, KEEP leaves the colour as it was.
_DEFAULT: Final = -1
KEEP: Final = -2
_TRUE: Final = 256

CACHE_LIMIT: Final = 20000  # parsed SGRs / styles kept; a truecolor image makes many
SgrOp = tuple[int, int, int, int]  # (attribute bits cleared, bits set, fg, bg)
SgrState = tuple[int, int, int]  # (fg, bg, attribute bits)
DEFAULT_STATE: Final[SgrState] = (_DEFAULT, _DEFAULT, 0)
op_cache: dict[str, SgrOp] = {}  # by the SGR's parameters
style_cache: dict[SgrState, Style | None] = {}
NOT_CACHED: Final = Style()  # never in style_cache


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _extended(values: list[str]) -> int:
    """The colour that the arguments of a 38/48 name (`5;N` or `2;R;G;B`), or KEEP."""
    if len(values) >= 2 and values[0] == "5":
        index = _int(values[1])
        return index if index < 256 else KEEP
    if len(values) >= 4 and values[0] == "2":
        r, g, b = values[1:4]
        return _TRUE + (min(_int(r), 255) << 16 | min(_int(g), 255) << 8 | min(_int(b), 255))
    return KEEP


def _parse(params: str) -> SgrOp:
    """Fold one SGR's parameters, in order, into what the SGR does to the state."""
    clear = set_ = 0
    fg = bg = KEEP
    items = params.split(";")
    i = 0
    while i < len(items):
        item = items[i]
        i += 1
        on = off = 0  # attribute bits this parameter sets / clears
        if ":" in item:  # sub-parameters: 4:N underline style, 38:2:[CS]:R:G:B, tmux's 5:3
            head, *sub = item.split(":")
            if head in ("38", "48"):
                colour = _extended(["2", *sub[-3:]] if sub[0] == "2" else sub)
                if colour != KEEP and head == "38":
                    fg = colour
                elif colour != KEEP:
                    bg = colour
            elif head == "4":
                on, off = (_UNDERLINE, 0) if _int(sub[0]) > 0 else (0, _UNDERLINE)
            elif head == "5" and sub == ["3"]:  # tmux writes overline (53) this way
                on = _OVERLINE
        else:
            code = _int(item)
            if code == 0:
                off, fg, bg = _ALL, _DEFAULT, _DEFAULT
            elif code in _SET:
                on = _SET[code]
            elif code in _CLEAR:
                off = _CLEAR[code]
            elif 30 <= code <= 37 or 90 <= code <= 97:
                fg = code - 30 if code < 90 else code - 82
            elif 40 <= code <= 47 or 100 <= code <= 107:
                bg = code - 40 if code < 100 else code - 92
            elif code == 39:
                fg = _DEFAULT
            elif code == 49:
                bg = _DEFAULT
            elif code in (38, 48, 58):  # 58: underline colour, parsed only to skip it
                args = items[i : i + 4] if items[i : i + 1] == ["2"] else items[i : i + 2]
                i += len(args)
                colour = _extended(args)
                if colour != KEEP and code == 38:
                    fg = colour
                elif colour != KEEP and code == 48:
                    bg = colour
        clear, set_ = (clear | off) & ~on, (set_ & ~off) | on
    return clear, set_, fg, bg


def _color(colour: int) -> Color | None:
    if colour == _DEFAULT:
        return None
    if colour < _TRUE:
        return Color.from_ansi(colour)
    rgb = colour - _TRUE
    triplet = ColorTriplet(rgb >> 16, rgb >> 8 & 255, rgb & 255)
    return Color(f"#{rgb:06x}", ColorType.TRUECOLOR, triplet=triplet)


def _style(fg: int, bg: int, attrs: int) -> Style | None:
    """The (cached) rich style of an SGR state; None for the default state."""
    if len(style_cache) > CACHE_LIMIT:
        style_cache.clear()
    key = (fg, bg, attrs)
    if key == (_DEFAULT, _DEFAULT, 0):
        style = None
    elif not attrs:
        style = Style.from_color(_color(fg), _color(bg))
    else:
        flags = [bool(attrs & 1 << n) or None for n in range(9)]
        style = Style(
            color=_color(fg), bgcolor=_color(bg), bold=flags[0], dim=flags[1],
            italic=flags[2], underline=flags[3], blink=flags[4], reverse=flags[5],
            conceal=flags[6], strike=flags[7], overline=flags[8],
        )  # fmt: skip
    style_cache[key] = style
    return style


def sgr_op(params: str) -> SgrOp:
    """What an SGR's parameters do (cached)."""
    op = op_cache.get(params)
    if op is None:
        if len(op_cache) > CACHE_LIMIT:
            op_cache.clear()
        op = op_cache[params] = _parse(params)
    return op


def sgr(state: SgrState, params: str) -> SgrState:
    """The state after an SGR (`ESC [ params m`)."""
    clear, set_, fg, bg = sgr_op(params)
    old_fg, old_bg, attrs = state
    return (old_fg if fg == KEEP else fg, old_bg if bg == KEEP else bg, attrs & ~clear | set_)


def style_of(state: SgrState) -> Style | None:
    """The rich style of an SGR state (None: the terminal's default)."""
    style = style_cache.get(state, NOT_CACHED)
    return _style(*state) if style is NOT_CACHED else style


def default_background(state: SgrState) -> bool:
    """Whether a cell in this state shows the terminal's own background."""
    return state[1] == _DEFAULT and not state[2] & _REVERSE
