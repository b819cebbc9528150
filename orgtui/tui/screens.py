"""The cockpit's modal screens: help (every key), and composing a message to agents."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label


class HelpScreen(ModalScreen[None]):
    """Every key of the cockpit."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 84; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    HelpScreen DataTable { height: auto; max-height: 40; }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, keys: list[tuple[str, str]], escape_chord: str) -> None:
        super().__init__()
        self.keys = keys
        self.escape_chord = escape_chord

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("[b]orgtui keys[/b]  (Esc closes)")
            table: DataTable[str] = DataTable(show_cursor=False, zebra_stripes=True)
            table.add_columns("key", "does")
            for key, text in self.keys:
                table.add_row(key, text)
            table.add_row(self.escape_chord, "give the keyboard back (while a pane is taken over)")
            yield table

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)


class MessageScreen(ModalScreen[str | None]):
    """Ask for a message to send; dismissed with the text, or None."""

    DEFAULT_CSS = """
    MessageScreen { align: center middle; }
    MessageScreen > Vertical {
        width: 90; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(placeholder="message; Enter sends it once the agent is ready, Esc cancels")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value if event.value.strip() else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
