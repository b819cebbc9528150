"""The cockpit's branch tree read through the git CLI (as orgtui does) beside GitPython.

    .venv/bin/pip install GitPython   # not one of orgtui's dependencies: this bench is why
    .venv/bin/python bench/gitread.py [--refreshes 200] [--large-refreshes 80] [--sizes small,large]

What the branch tree (`orgtui/tui/sidepanel/branches.py`) reads per refresh, every 3 s while
it is on screen, is `orgtui.workspace.branches.branch_infos`: each branch's head (last commit's
subject and time), ahead/behind counts against the program branch, and whether each agent's
worktree is dirty. Changed-file stats are not part of a refresh: `branch_diff` runs only when a
person presses Enter on a branch, so it is not timed here.

Builds a repository in a temporary folder with `git fast-import` (one pack, like a cloned or
gc'd repository): a base history, a program branch `program/bench` that moves on after the
agents fork from it, and 8 agent branches `program/bench--a<i>` with their own worktrees (one
with a modified file, one with an untracked file, one with a staged file, the rest clean).
Sizes: small = 300 files, 100 base commits, 30 commits per agent; large = 2,000 files, 2,000
base commits, 60 commits per agent. Every 10th refresh an agent commits in its worktree (not
timed), so the readers see a repository that changes as it does in a real org.

Each reader runs in a fresh interpreter, so import time and memory are its own:
  cli        orgtui's own `branch_infos`: for-each-ref, rev-list --count per agent, status
             --no-optional-locks per worktree (1 + 2 x agents forks);
  gp-wrap    GitPython, idiomatic, one `Repo` per repository and worktree kept open across
             refreshes: refs read in-process, commits through the persistent `cat-file
             --batch`, ahead/behind via `repo.git.rev_list` (a fork), `is_dirty(untracked_files
             =True)` (GitPython has no in-process status: up to 3 git forks per worktree);
  gp-walk    as gp-wrap, but ahead/behind counted in Python by walking the commit graph through
             GitPython's object database (no fork for commits; dirtiness still forks).
Every reader's answer is checked against `branch_infos` after its run.

Figures: the first refresh (cold: Repo objects opened, cat-file started), p50/p95 per refresh
and how much of it goes to the worktrees' dirtiness (git status / diff: forks either way), git processes started per refresh, RSS after 10 refreshes and after all of them (growth), the
peak RSS, and the RSS of the git processes the reader keeps alive. The CLI column is the anchor;
the refresh interval (3 s) is the budget. The machine is small and shared: figures are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orgtui.workspace.branches import BranchInfo, ProgramInfo, branch_infos  # noqa: E402
from orgtui.workspace.repo import agent_branch  # noqa: E402

GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip
PROGRAM = "program/bench"
AGENTS = 8
READERS = ("cli", "gp-wrap", "gp-walk")
SIZES = {  # files, base commits, commits per agent
    "small": (300, 100, 30),
    "large": (2000, 2000, 60),
}
PROGRAM_AHEAD = 16  # program commits after the first agent forked; agent i forks 2*i later


# ---------------------------------------------------------------- the repository


def build_repo(tmp: Path, files: int, base: int, per_agent: int) -> tuple[Path, list]:
    """A repository at tmp/repo with worktrees at tmp/wt/a<i>; returns (repo, agents)."""
    repo = tmp / "repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    out: list[bytes] = []
    clock = [1_700_000_000]
    mark = [0]

    def blob(text: str) -> bytes:
        data = text.encode()
        return b"data %d\n%s\n" % (len(data), data)

    def commit(ref: str, parent: int | None, subject: str, changes: dict[str, str]) -> int:
        mark[0] += 1
        clock[0] += 60
        out.append(b"commit %s\nmark :%d\n" % (ref.encode(), mark[0]))
        out.append(b"committer bench <bench@example.com> %d +0000\n" % clock[0])
        out.append(blob(subject))
        if parent is not None:
            out.append(b"from :%d\n" % parent)
        for path, text in changes.items():
            out.append(b"M 100644 inline %s\n" % path.encode())
            out.append(blob(text))
        return mark[0]

    def touch(n: int, salt: str) -> dict[str, str]:
        return {f"src/m{(n * 7 + k * 13) % files}.py": f"# {salt} {k}\n" + "x = 1\n" * 30
                for k in range(2)}  # fmt: skip

    tip = commit("refs/heads/main", None, "initial",
                 {f"src/m{i}.py": f"# module {i}\n" + "x = 1\n" * 30 for i in range(files)})  # fmt: skip
    for n in range(1, base):
        tip = commit("refs/heads/main", tip, f"base change {n}", touch(n, f"base {n}"))
    program_tips = [tip]
    for n in range(PROGRAM_AHEAD):
        program_tips.append(
            commit(
                f"refs/heads/{PROGRAM}",
                program_tips[-1],
                f"program change {n}",
                touch(base + n, f"program {n}"),
            )  # fmt: skip
        )
    agents = []
    for i in range(AGENTS):
        name = f"a{i}"
        head = program_tips[2 * i]
        for n in range(per_agent):
            changes = touch(i * 1000 + n, f"{name} {n}")
            changes[f"exp/{name}/run{n}.py"] = f"# {name} experiment {n}\nlr = {n}e-4\n"
            head = commit(f"refs/heads/{agent_branch(PROGRAM, name)}", head,
                          f"{name}: try lr {n}e-4 with a longer warmup", changes)  # fmt: skip
        agents.append((name, tmp / "wt" / name))
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], input=b"".join(out),
                   check=True)  # fmt: skip
    git(repo, "checkout", "-q", "main")
    for name, worktree in agents:
        git(repo, "worktree", "add", "-q", str(worktree), agent_branch(PROGRAM, name))
    (agents[1][1] / "src/m1.py").write_text("# edited, not committed\n")
    (agents[2][1] / "notes.txt").write_text("untracked\n")
    (agents[3][1] / "staged.py").write_text("staged = True\n")
    git(agents[3][1], "add", "staged.py")
    return repo, agents


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True,
                          text=True, env={**os.environ, **GIT_ENV}).stdout  # fmt: skip


# ---------------------------------------------------------------- the readers


DIRTY_S = [0.0]  # seconds spent on the worktrees' dirtiness, summed


class GitPythonReader:
    """`branch_infos`' answer through GitPython, with every Repo kept open across refreshes."""

    def __init__(self, repo: Path, program: str, agents: list, walk: bool) -> None:
        import git as gp

        self.gp = gp
        self.program = program
        self.agents = [(name, Path(wt)) for name, wt in agents]
        self.walk = walk
        self.repo = gp.Repo(repo)
        self.worktrees: dict[Path, object] = {}

    def _worktree(self, path: Path):
        if path not in self.worktrees:
            try:
                wt = self.gp.Repo(path)
            except (self.gp.InvalidGitRepositoryError, self.gp.NoSuchPathError):
                return None
            # status/diff take no index lock, as orgtui's own reads do.
            wt.git.update_environment(GIT_OPTIONAL_LOCKS="0")
            self.worktrees[path] = wt
        return self.worktrees[path]

    def read(self) -> tuple[ProgramInfo, list[BranchInfo]]:
        prefix = agent_branch(self.program, "")
        heads = {h.name: h.commit for h in self.repo.branches
                 if h.name == self.program or h.name.startswith(prefix)}  # fmt: skip
        top = heads.get(self.program)
        info = ProgramInfo(self.program, top is not None, top.summary if top else "",
                           float(top.committed_date) if top else None)  # fmt: skip
        ancestry = self._ancestry(top.binsha) if (top is not None and self.walk) else None
        branches = []
        for agent, worktree in self.agents:
            branch = agent_branch(self.program, agent)
            head = heads.get(branch)
            ahead = behind = 0
            if head is not None and top is not None:
                if ancestry is not None:
                    ahead, behind = self._walk_counts(ancestry, head.binsha)
                else:
                    counted = self.repo.git.rev_list(
                        "--left-right", "--count", "--end-of-options", f"{self.program}...{branch}"
                    ).split()
                    behind, ahead = int(counted[0]), int(counted[1])
            t0 = time.perf_counter()
            wt = self._worktree(worktree)
            dirty = None
            if wt is not None:
                try:
                    dirty = wt.is_dirty(untracked_files=True)
                except self.gp.GitCommandError:
                    dirty = None
            DIRTY_S[0] += time.perf_counter() - t0
            branches.append(BranchInfo(agent, branch, worktree, head is not None, ahead, behind,
                                       head.summary if head else "",
                                       float(head.committed_date) if head else None, dirty))  # fmt: skip
        return info, branches

    def _parents(self, binsha: bytes) -> tuple[bytes, ...]:
        return tuple(p.binsha for p in self.gp.Commit(self.repo, binsha).parents)

    def _ancestry(self, tip: bytes) -> dict[bytes, tuple[bytes, ...]]:
        """Every ancestor of `tip` (itself included) with its parents, read from the odb."""
        graph: dict[bytes, tuple[bytes, ...]] = {}
        stack = [tip]
        while stack:
            sha = stack.pop()
            if sha not in graph:
                graph[sha] = self._parents(sha)
                stack.extend(graph[sha])
        return graph

    def _walk_counts(self, program: dict, tip: bytes) -> tuple[int, int]:
        """(ahead, behind) of `tip` against the program, whose ancestry is `program`."""
        ahead, seen, boundary, stack = 0, set(), [], [tip]
        while stack:
            sha = stack.pop()
            if sha in seen:
                continue
            seen.add(sha)
            if sha in program:
                boundary.append(sha)
                continue
            ahead += 1
            stack.extend(self._parents(sha))
        common: set[bytes] = set()
        while boundary:  # the shared history lies within the program's graph, already read
            sha = boundary.pop()
            if sha not in common:
                common.add(sha)
                boundary.extend(program[sha])
        return ahead, len(program) - len(common)


# ---------------------------------------------------------------- one reader, in a child


FORKS = [0]


def count_forks() -> None:
    """Count every process that subprocess starts (GitPython and orgtui both use Popen)."""
    original = subprocess.Popen._execute_child

    def counted(self, *args, **kwargs):
        FORKS[0] += 1
        return original(self, *args, **kwargs)

    subprocess.Popen._execute_child = counted


def rss_kib(pid: int | str = "self") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def peak_rss_kib() -> int:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not carried over from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def children_rss_kib() -> tuple[int, int]:
    """(count, total RSS) of the live processes this one started (e.g. `git cat-file`)."""
    me, count, total = str(os.getpid()), 0, 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            if stat.rsplit(")", 1)[1].split()[1] == me:
                count, total = count + 1, total + rss_kib(entry.name)
        except (OSError, IndexError):
            continue
    return count, total


def child(reader_name: str, repo: Path, agents: list, refreshes: int) -> dict:
    start = time.perf_counter()
    if reader_name == "cli":
        import orgtui.workspace.branches as cli

        dirty = cli._dirty

        def timed_dirty(worktree: Path) -> bool | None:
            t0 = time.perf_counter()
            try:
                return dirty(worktree)
            finally:
                DIRTY_S[0] += time.perf_counter() - t0

        cli._dirty = timed_dirty

        def read():
            return branch_infos(repo, PROGRAM, agents)
    else:
        reader = GitPythonReader(repo, PROGRAM, agents, walk=reader_name == "gp-walk")
        read = reader.read
    import_s = time.perf_counter() - start
    count_forks()
    worker = agents[0][1]
    times, dirties, forks, rss_warm = [], [], [], 0
    for n in range(refreshes + 1):
        if n and n % 10 == 0:  # an agent commits (not timed)
            (worker / "exp" / f"live{n}.py").write_text(f"step = {n}\n")
            git(worker, "add", "-A", "exp")
            git(worker, "commit", "-qm", f"live step {n}")
        before, DIRTY_S[0], t0 = FORKS[0], 0.0, time.perf_counter()
        read()
        times.append(time.perf_counter() - t0)
        dirties.append(DIRTY_S[0])
        forks.append(FORKS[0] - before)
        if n == 10:
            rss_warm = rss_kib()
    rss_end = rss_kib()
    kids, kids_rss = children_rss_kib()
    got, want = read(), branch_infos(repo, PROGRAM, agents)
    return {
        "import_s": import_s,
        "first_s": times[0],
        "times": times[1:],
        "dirty": dirties[1:],
        "forks": statistics.median(forks[1:]),
        "rss_warm": rss_warm,
        "rss_end": rss_end,
        "peak": peak_rss_kib(),
        "kids": kids,
        "kids_rss": kids_rss,
        "same": got == want,
        "want": [(b.agent, b.ahead, b.behind, b.dirty) for b in want[1]],
    }


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def run_reader(name: str, repo: Path, agents: list, refreshes: int) -> dict:
    worker, branch = agents[0][1], agent_branch(PROGRAM, agents[0][0])
    tip = git(repo, "rev-parse", branch).strip()
    spec = json.dumps({"repo": str(repo), "agents": [[a, str(w)] for a, w in agents]})
    proc = subprocess.run(
        [sys.executable, __file__, "--child", name, "--spec", spec, "--refreshes", str(refreshes)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    git(worker, "reset", "-q", "--hard", tip)  # undo the live commits for the next reader
    git(worker, "clean", "-qfd", "exp")
    if proc.returncode != 0:
        raise SystemExit(f"reader {name} failed:\n{proc.stdout}{proc.stderr}")
    return json.loads(proc.stdout)


def report(size: str, results: dict[str, dict]) -> None:
    def line(label: str, cell) -> None:
        print(f"  {label:<34}" + "".join(f"{cell(results[r]):>18}" for r in READERS))

    ms = 1e3
    print(f"  {'figure':<34}" + "".join(f"{r:>18}" for r in READERS))
    print("  " + "-" * (34 + 18 * len(READERS)))
    line("import + open (s)", lambda r: f"{r['import_s']:.3f}")
    line("first refresh (ms)", lambda r: f"{r['first_s'] * ms:.1f}")
    line("refresh p50 (ms)", lambda r: f"{pct(r['times'], 0.5) * ms:.1f}")
    line("refresh p95 (ms)", lambda r: f"{pct(r['times'], 0.95) * ms:.1f}")
    line("  of which dirtiness, p50 (ms)", lambda r: f"{pct(r['dirty'], 0.5) * ms:.1f}")
    line("  of which the rest, p50 (ms)",
         lambda r: f"{pct([t - d for t, d in zip(r['times'], r['dirty'], strict=True)], 0.5) * ms:.1f}")  # fmt: skip
    line("p50 as share of the 3 s interval", lambda r: f"{pct(r['times'], 0.5) / 3 * 100:.1f} %")
    line("git processes started / refresh", lambda r: f"{r['forks']:.0f}")
    line("RSS after 10 refreshes (MiB)", lambda r: f"{r['rss_warm'] / 1024:.1f}")
    line("RSS at the end (MiB)", lambda r: f"{r['rss_end'] / 1024:.1f}")
    line("RSS growth, 10 -> end (MiB)", lambda r: f"{(r['rss_end'] - r['rss_warm']) / 1024:+.1f}")
    line("peak RSS (MiB)", lambda r: f"{r['peak'] / 1024:.1f}")
    line("git kept alive: procs / RSS MiB", lambda r: f"{r['kids']} / {r['kids_rss'] / 1024:.1f}")
    line("same answer as branch_infos", lambda r: "yes" if r["same"] else "NO")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--refreshes", type=int, default=200, help="on the small repository")
    parser.add_argument("--large-refreshes", type=int, default=80, help="on the large one")
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--child", choices=READERS, help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.spec)
        agents = [(a, Path(w)) for a, w in spec["agents"]]
        print(json.dumps(child(args.child, Path(spec["repo"]), agents, args.refreshes)))
        return 0
    try:
        import git as gp
    except ImportError:
        print("bench/gitread.py compares with GitPython, which orgtui does not depend on:"
              " `.venv/bin/pip install GitPython` first", file=sys.stderr)  # fmt: skip
        return 2

    print(f"branch tree reads, {AGENTS} agents, each reader in its own process, "
          f"{os.cpu_count()} cores (shared: noisy), {git(ROOT, 'version').strip()}, "
          f"GitPython {gp.__version__}")  # fmt: skip
    for size in args.sizes.split(","):
        files, base, per_agent = SIZES[size]
        with tempfile.TemporaryDirectory(prefix="ogr", dir="/tmp") as tmp_name:
            t0 = time.perf_counter()
            repo, agents = build_repo(Path(tmp_name), files, base, per_agent)
            built = time.perf_counter() - t0
            n = args.large_refreshes if size == "large" else args.refreshes
            print(f"\n{size}: {files} files, {base} base + {PROGRAM_AHEAD} program commits, "
                  f"{per_agent} commits per agent (built in {built:.1f} s), {n} refreshes")  # fmt: skip
            results = {name: run_reader(name, repo, agents, n) for name in READERS}
            print(f"  (agent, ahead, behind, dirty): {results['cli']['want']}")
            report(size, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
