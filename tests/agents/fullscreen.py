"""A test agent that draws on the alternate screen with curses, like vim or Codex do."""

import curses


def main(screen: "curses.window") -> None:
    curses.curs_set(0)
    height, width = screen.getmaxyx()
    screen.border()
    text = "ALT-SCREEN-DEMO"
    screen.addstr(height // 2, max(0, (width - len(text)) // 2), text, curses.A_BOLD)
    screen.addstr(height - 2, 2, f"{width}x{height}")
    screen.refresh()
    while screen.getch() != ord("q"):
        pass


curses.wrapper(main)
