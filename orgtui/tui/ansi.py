"""Turn a tmux `capture-pane -p -e -N` capture into Textual `Strip`s, one per pane row.

The capture is the pane's visible rows separated by newlines, with SGR sequences (`ESC [ ... m`)
and nothing else. tmux does not repeat the current colours at the start of a row, so the whole
capture is decoded as one stream and the SGR state carries across rows. tmux drops blank cells at
the end of a row (even with `-N`, only cells that were written come back) and writes a wide
character as the character alone, with no padding cell after it. tmux 3.3a's idea of a few
characters' widths differs from rich's: it ignores U+FE0F (VS16) so "❤️" is one cell, and it
draws an emoji skin-tone modifier as a cell of its own two cells wide; both are rewritten here so
text after them lands in tmux's column. The modifier itself is drawn only where the cockpit's
terminal draws the pair as one 2-cell glyph (`set_skin_tone_cells`, from `probe.tone_cells`), so
that the terminal's count of the pair's cells and Textual's agree. Other escape sequences and
control characters are dropped; tabs become spaces up to the next multiple of 8.

Decoding runs for every dirty pane at up to 30 fps, so rows are cached from one capture to the
next (`RowCache`), SGRs and styles are cached (in `sgr.py`, which holds the SGR state), and
adjacent runs of one style become one `Segment`.
"""

from __future__ import annotations

import re
from typing import Final

from rich.cells import cell_len, split_graphemes
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from orgtui.tui.sgr import (
    CACHE_LIMIT,
    DEFAULT_STATE,
    KEEP,
    NOT_CACHED,
    SgrState,
    op_cache,
    sgr,
    sgr_op,
    style_cache,
    style_of,
)

__all__ = ["RowCache", "decode", "last_written", "set_skin_tone_cells", "with_cursor"]

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

_cursor_styles: dict[Style | None, Style] = {}
_blank_rows: dict[int, Strip] = {}
_tones = [False]  # whether skin-tone modifiers are drawn (set_skin_tone_cells)


def set_skin_tone_cells(cells: int | None) -> None:
    """How the cockpit's terminal draws an emoji with a skin-tone modifier (`probe.tone_cells`):
    in 2 cells, one glyph, so the modifier is drawn; else (4 cells, the modifier a 2-cell
    character of its own that Textual counts as none, or no answer) the emoji is drawn
    without it. Either way the pair takes tmux's 4 cells, in the terminal as in Textual's
    count. Set once, before the first decode: rows already cached are not decoded again."""
    _tones[0] = cells == 2


def _fix_widths(match: re.Match[str]) -> str:
    modifier = match.group(1)
    if modifier is None:  # VS16
        return ""
    start = match.start()
    # Kept after a wide character (an emoji it joins), never alone (drawn 2 cells wide).
    if _tones[0] and start and cell_len(match.string[start - 1]) == 2:
        return modifier + "  "
    return "  "


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
    ops, styles = op_cache, style_cache
    fg, bg, attrs = state
    style = styles.get(state, NOT_CACHED)
    if style is NOT_CACHED:
        style = style_of(state)
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
                op = sgr_op(params)
            clear, set_, new_fg, new_bg = op
            attrs = attrs & ~clear | set_
            if new_fg != KEEP:
                fg = new_fg
            if new_bg != KEEP:
                bg = new_bg
            style = styles.get((fg, bg, attrs), NOT_CACHED)
            if style is NOT_CACHED:
                style = style_of((fg, bg, attrs))
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
        if len(_cursor_styles) > CACHE_LIMIT:
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
