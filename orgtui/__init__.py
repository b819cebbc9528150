"""orgtui: run a research org of AI agents."""
