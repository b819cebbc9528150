"""Stand-in for nanochat's common utilities (tests only): its seeding and its print0."""

import os


class _Torch:
    """What compute_init asks of torch here: the seed it was given, recorded."""

    def __init__(self) -> None:
        self.seed: int | None = None
        self.cuda = self

    def manual_seed(self, seed: int) -> None:
        self.seed = seed


torch = _Torch()


def print0(s: str = "", **kwargs: object) -> None:
    """Print on rank 0 only, as upstream's does."""
    if int(os.environ.get("RANK", 0)) == 0:
        print(s, **kwargs)  # type: ignore[call-overload]


def compute_init(device_type: str = "cuda") -> tuple[bool, int, int, int, str]:
    """Basic initialization that we keep doing over and over, so make common."""
    # Reproducibility
    # Note that we set the global seeds here, but most of the code uses explicit rng objects.
    torch.manual_seed(42)
    if device_type == "cuda":
        torch.cuda.manual_seed(42)
    rank = int(os.environ.get("RANK", 0))
    world = int(os.environ.get("WORLD_SIZE", 1))
    return world > 1, rank, int(os.environ.get("LOCAL_RANK", 0)), world, device_type
