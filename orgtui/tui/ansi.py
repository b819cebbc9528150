"""Turn a tmux `capture-pane -p -e -N` capture into Textual `Strip`s, one per pane row.

The capture is the pane's visible rows separated by newlines, with SGR sequences (`ESC [ ... m`)
and nothing else. tmux does not repeat the current colours at the start of a row, so the whole
capture is decoded as one stream and the SGR state carries across rows. tmux drops blank cells at
the end of a row (even with `-N`, only cells that were written come back) and writes a wide
character as the character alone, with no padding cell after it. tmux 3.3a's idea of a few
characters' widths differs from rich's: it ignores U+FE0F (VS16) so "❤️" is one cell, and it
draws an emoji skin-tone modifier as a cell of its own two cells wide; both are rewritten here so
text after them lands in tmux's column. Other escape sequences and control characters are
dropped; tabs become spaces up to the next multiple of 8.

Decoding runs for every dirty pane at up to 30 fps, so rich `Style`s are cached by SGR state,
parsed SGR parameter strings are cached, and adjacent runs of one style become one `Segment`.
"""

from __future__ import annotations

import re
from typing import Final

from rich.cells import cell_len, split_graphemes
from rich.color import Color, ColorType
from rich.color_triplet import ColorTriplet
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

__all__ = ["decode", "last_written", "with_cursor"]

# One regex splits a row into text and escapes: group 1 holds an SGR's parameters; any other
# match (CSI, OSC, DCS/APC/PM/SOS, a lone ESC sequence, a control character) is dropped.
_TOKEN: Final = re.compile(
    r"\x1b\[([0-9;:]*)m"
    r"|\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"
    r"|\x1b[ -/]*[0-~]?"
    r"|[\x00-\x08\x0a-\x1f\x7f-\x9f]"
)
_SGR: Final = re.compile(r"\x1b\[([0-9;:]*)m")
# Characters whose width tmux 3.3a and rich disagree on: VS16, and the skin-tone modifiers.
_WIDTH_FIX: Final = re.compile("\ufe0f|([\U0001f3fb-\U0001f3ff])")

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
# in a parsed SGR, _KEEP leaves the colour as it was.
_DEFAULT: Final = -1
_KEEP: Final = -2
_TRUE: Final = 256

_CACHE_LIMIT: Final = 20000  # parsed SGRs / styles kept; a truecolor image makes many
_Op = tuple[int, int, int, int]  # (attribute bits cleared, bits set, fg, bg)
_ops: dict[str, _Op] = {}
_styles: dict[tuple[int, int, int], Style | None] = {}
_cursor_styles: dict[Style | None, Style] = {}
_blank_rows: dict[int, Strip] = {}
_UNSET: Final = Style()  # not in _styles
SgrState = tuple[int, int, int]  # (fg, bg, attribute bits)
DEFAULT_STATE: Final[SgrState] = (_DEFAULT, _DEFAULT, 0)


def _int(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _extended(values: list[str]) -> int:
    """The colour that the arguments of a 38/48 name (`5;N` or `2;R;G;B`), or _KEEP."""
    if len(values) >= 2 and values[0] == "5":
        index = _int(values[1])
        return index if index < 256 else _KEEP
    if len(values) >= 4 and values[0] == "2":
        r, g, b = values[1:4]
        return _TRUE + (min(_int(r), 255) << 16 | min(_int(g), 255) << 8 | min(_int(b), 255))
    return _KEEP


def _parse(params: str) -> _Op:
    """Fold one SGR's parameters, in order, into what the SGR does to the state."""
    clear = set_ = 0
    fg = bg = _KEEP
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
                if colour != _KEEP and head == "38":
                    fg = colour
                elif colour != _KEEP:
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
                if colour != _KEEP and code == 38:
                    fg = colour
                elif colour != _KEEP and code == 48:
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
    if len(_styles) > _CACHE_LIMIT:
        _styles.clear()
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
    _styles[key] = style
    return style


def _fix_widths(match: re.Match[str]) -> str:
    modifier = match.group(1)
    return "" if modifier is None else modifier + "  "


def _expand_tabs(line: str) -> str:
    """Replace each tab by spaces up to the next multiple of 8 cells, escapes left in place."""
    out: list[str] = []
    column = pos = 0
    for match in [*_TOKEN.finditer(line), None]:
        text = line[pos : match.start() if match else len(line)]
        for n, piece in enumerate(text.split("\t")):
            if n:
                out.append(" " * (8 - column % 8))
                column += 8 - column % 8
            out.append(piece)
            column += cell_len(piece)
        if match:
            out.append(match.group())
            pos = match.end()
    return "".join(out)


def _blank_row(width: int) -> Strip:
    if width not in _blank_rows:
        _blank_rows[width] = Strip([Segment(" " * width)], width)
    return _blank_rows[width]


RowCache = dict[tuple[str, SgrState, int, int], tuple[Strip, SgrState]]


def decode(
    capture: str,
    width: int,
    height: int | None = None,
    top: int = 0,
    left: int = 0,
    cache: RowCache | None = None,
) -> list[Strip]:
    """One Strip per row, each exactly `width` cells (cropped or padded with blank unstyled
    cells); `height` rows if given (padding with blank rows / dropping extra). `top` and
    `left` give the view's corner in the capture: rows above it are only read for the
    colours they leave set, columns left of it are cut off. `cache` keeps rows decoded from
    one call to the next (a row that is on screen again, or scrolled, is not decoded again):
    the caller's, cleared of what this call did not use."""
    width = max(width, 0)
    if capture.endswith("\n"):
        capture = capture[:-1]
    lines = capture.split("\n") if capture else []
    if height is not None:
        del lines[top + max(height, 0) :]
    state = DEFAULT_STATE
    for line in lines[:top]:  # the colours set above the view carry into it
        for params in _SGR.findall(line):
            state = sgr(state, params)
    strips: list[Strip] = []
    used: RowCache = {}
    for line in lines[top:]:
        key = (line, state, width, left)
        hit = cache.get(key) if cache is not None else None
        if hit is None:
            hit = _decode_row(line, state, width, left)
        used[key] = hit
        strip, state = hit
        strips.append(strip)
    if cache is not None:
        cache.clear()
        cache.update(used)
    if height is not None and len(strips) < height:
        strips.extend([_blank_row(width)] * (height - len(strips)))
    return strips


def _decode_row(line: str, state: SgrState, width: int, left: int) -> tuple[Strip, SgrState]:
    """One row of a capture, starting in SGR `state`: its Strip and the state it leaves."""
    ops, styles, parse = _ops, _styles, _parse
    fg, bg, attrs = state
    style = styles.get(state, _UNSET)
    if style is _UNSET:
        style = _style(fg, bg, attrs)
    ascii_only = line.isascii()
    if not ascii_only:
        line = _WIDTH_FIX.sub(_fix_widths, line)
    if "\t" in line:
        line = _expand_tabs(line)
    parts = _TOKEN.split(line)
    segments: list[Segment] = []
    # An ASCII row is cut at the view's edge as it is read; the rest only sets colours.
    room = width if ascii_only and not left else -1
    run, run_style = parts[0], style
    if room >= 0 and len(run) >= room:
        run, room = run[:room], 0
    elif room >= 0:
        room -= len(run)
    for i in range(1, len(parts), 2):
        if room == 0:  # past the view's edge: only the colours the row leaves set matter
            fg, bg, attrs = _state_after(parts[i::2], (fg, bg, attrs))
            break
        params = parts[i]
        if params is not None:  # `sgr()`, inlined: this is the cockpit's hottest loop
            op = ops.get(params)
            if op is None:
                if len(ops) > _CACHE_LIMIT:
                    ops.clear()
                op = ops[params] = parse(params)
            clear, set_, new_fg, new_bg = op
            attrs = attrs & ~clear | set_
            if new_fg != _KEEP:
                fg = new_fg
            if new_bg != _KEEP:
                bg = new_bg
            style = styles.get((fg, bg, attrs), _UNSET)
            if style is _UNSET:
                style = _style(fg, bg, attrs)
        text = parts[i + 1]
        if not text:
            continue
        if room > 0:
            if len(text) >= room:
                text, room = text[:room], 0
            else:
                room -= len(text)
        if style is run_style:
            run += text
        else:
            if run:
                segments.append(Segment(run, run_style))
            run, run_style = text, style
    if run:
        segments.append(Segment(run, run_style))
    after = (fg, bg, attrs)
    measure = len if ascii_only else cell_len
    length = sum([measure(segment.text) for segment in segments])
    if left:
        strip = Strip(segments, length).crop(left, left + width)
        return strip.adjust_cell_length(width), after
    if length < width:
        pad = " " * (width - length)
        if segments and segments[-1].style is None:
            segments[-1] = Segment(segments[-1].text + pad)
        else:
            segments.append(Segment(pad))
        return Strip(segments, width), after
    if length > width:
        return Strip(segments, length).crop(0, width), after
    return Strip(segments, width), after


def _state_after(params: list[str | None], state: SgrState) -> SgrState:
    """The SGR state after a row's remaining SGRs (None: an escape that is not one), read
    from the last reset on."""
    start = 0
    for j in range(len(params) - 1, -1, -1):
        if params[j] in ("", "0"):
            start, state = j + 1, DEFAULT_STATE
            break
    for p in params[start:]:
        if p is not None:
            state = sgr(state, p)
    return state


def last_written(capture: str) -> int:
    """The index of a capture's last row with visible text (0 if none has)."""
    lines = capture.rstrip("\n").split("\n")
    for y in range(len(lines) - 1, -1, -1):
        if _TOKEN.sub("", lines[y]).strip():
            return y
    return 0


def _cursor_style(style: Style | None) -> Style:
    if style not in _cursor_styles:
        if len(_cursor_styles) > _CACHE_LIMIT:
            _cursor_styles.clear()
        flip = Style(reverse=not (style and style.reverse))
        _cursor_styles[style] = flip if style is None else style + flip
    return _cursor_styles[style]


def with_cursor(strip: Strip, x: int) -> Strip:
    """The strip with the cell at column x shown as a cursor (reverse video of its style);
    unchanged if x is outside."""
    if not 0 <= x < strip.cell_length:
        return strip
    segments: list[Segment] = []
    pos = 0
    found = False
    for segment in strip:
        text, style, control = segment
        ascii_only = text.isascii()
        length = len(text) if ascii_only else cell_len(text)
        if found or control or pos + length <= x:
            segments.append(segment)
            pos += 0 if control else length
            continue
        found = True
        offset = x - pos
        start, end = offset, offset + 1
        if not ascii_only:  # the grapheme covering the column, both cells of a wide one
            column = 0
            for span in split_graphemes(text)[0]:
                start, end, cells = span
                if column + cells > offset:
                    break
                column += cells
        if start:
            segments.append(Segment(text[:start], style))
        segments.append(Segment(text[start:end], _cursor_style(style)))
        if end < len(text):
            segments.append(Segment(text[end:], style))
    return Strip(segments, strip.cell_length)


# -- the SGR state, for `vt.py` ---------------------------------------------------------------


def _op(params: str) -> _Op:
    """What an SGR's parameters do (cached)."""
    op = _ops.get(params)
    if op is None:
        if len(_ops) > _CACHE_LIMIT:
            _ops.clear()
        op = _ops[params] = _parse(params)
    return op


def sgr(state: SgrState, params: str) -> SgrState:
    """The state after an SGR (`ESC [ params m`)."""
    clear, set_, fg, bg = _op(params)
    old_fg, old_bg, attrs = state
    return (old_fg if fg == _KEEP else fg, old_bg if bg == _KEEP else bg, attrs & ~clear | set_)


def style_of(state: SgrState) -> Style | None:
    """The rich style of an SGR state (None: the terminal's default)."""
    style = _styles.get(state, _UNSET)
    return _style(*state) if style is _UNSET else style


def default_background(state: SgrState) -> bool:
    return state[1] == _DEFAULT and not state[2] & _REVERSE
