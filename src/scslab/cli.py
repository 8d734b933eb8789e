"""The scslab command line: a thin layer over the Python API.

Bad input (a rulebook, scenario, record file or option) prints one line that says what is wrong
and where, and exits with code 2, without a traceback; Ctrl-C exits with 130. Commands import
what they need when they run, so ``--help``, ``--version`` and option errors stay quick.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from scslab._version import __version__
from scslab.cli_dashboard import register as register_dashboard
from scslab.cli_experiment import register as register_experiments
from scslab.cli_study import register as register_studies
from scslab.errors import InputError
from scslab.limits import DAYS, PERSONS, SEED
from scslab.text import safe_text

if TYPE_CHECKING:  # for annotations only: commands import what they need when they run
    from rich.progress import Progress, TaskID

    from scslab.sim import RunResult

app = typer.Typer(
    name="scslab",
    help="A laboratory for social credit regimes, run on synthetic societies only.",
    add_completion=True,  # --install-completion, --show-completion [SHELL] (see main)
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
regimes_app = typer.Typer(help="List the built-in regimes; show or export one.",
                          invoke_without_command=True, no_args_is_help=False)
app.add_typer(regimes_app, name="regimes")
scenarios_app = typer.Typer(help="List the built-in scenarios; export one.",
                            invoke_without_command=True, no_args_is_help=False)
app.add_typer(scenarios_app, name="scenarios")

# Piped output is not wrapped at 80 columns: tables stay whole for files and other programs.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)

#: Built-in descriptions are shown on one line of at most this many characters.
LINE_CHARS = 120
INTERRUPTED = 130


def _t(text: object) -> str:
    """User text (rulebook, scenario, records) made safe for the terminal and for rich markup."""
    return escape(safe_text(text))


def _line(text: object) -> str:
    """The first line of ``text``, cut to :data:`LINE_CHARS`."""
    first = safe_text(text).strip().split("\n", 1)[0]
    return first if len(first) <= LINE_CHARS else first[: LINE_CHARS - 3] + "..."


def _day(text: str | None, option: str) -> int | None:
    from scslab.dates import to_day

    if text is None:
        return None
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):  # not 2020-W01-1, 20200101
            raise ValueError
        return to_day(_dt.date.fromisoformat(text))
    except ValueError:
        raise InputError(f"option {option}: a date YYYY-MM-DD was expected, "
                         f"got {text[:40]!r}") from None


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"scslab {__version__}\n")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="print the version and exit",
                                          callback=_version, is_eager=True)] = False,
) -> None:
    """A laboratory for social credit regimes, run on synthetic societies only."""
    if ctx.invoked_subcommand is None:  # bare `scslab`: the help, and success
        sys.stdout.write(ctx.get_help() + "\n")


# --------------------------------------------------------------------------- replay
@app.command()
def replay(
    rulebook: Annotated[str, typer.Argument(help="built-in regime name or rulebook TOML file",
                                            metavar="RULEBOOK")],
    records: Annotated[Path, typer.Argument(
        help="record CSV: date,subject,act[,value][,age][,representative]", metavar="RECORDS")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="state at the end of this date",
                                              metavar="YYYY-MM-DD")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of CSV")] = False,
) -> None:
    """Replay records through a regime and print every subject's final state."""
    from scslab.regime import load_rulebook, read_records
    from scslab.regime import replay as run_replay

    day = _day(as_of, "--as-of")
    rb = load_rulebook(rulebook)
    recs = read_records(records, rb)
    rows = run_replay(rb, recs, as_of=day).rows()
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["subject", "score", "band", "lists", "restrictions", "privileges"])
    for r in rows:
        w.writerow([r["subject"], "" if r["score"] is None else r["score"], safe_text(r["band"]),
                    ";".join(r["lists"]), ";".join(r["restrictions"]), ";".join(r["privileges"])])


@app.command()
def explain(
    source: Annotated[str, typer.Argument(
        help="a run folder, or a built-in regime name or rulebook TOML file", metavar="RUN_DIR|RULEBOOK")],
    second: Annotated[str, typer.Argument(
        help="with a run folder, the subject (ID number or row); else the record CSV",
        metavar="SUBJECT|RECORDS")],
    subject: Annotated[str | None, typer.Argument(help="the subject id (replay)",
                                                  metavar="[SUBJECT]")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="state at the end of this date (replay)",
                                              metavar="YYYY-MM-DD")] = None,
) -> None:
    """Show one subject's file: a run's merged file across regimes, or a replayed credit file.

    ``explain RUN_DIR SUBJECT``: records with source, sector and truth, every regime's ledger
    lines, list entries and exits, band and consequences held, gate outcomes, in date order.
    ``explain RULEBOOK RECORDS.csv SUBJECT``: one regime's replay.
    """
    if subject is None:
        if as_of is not None:
            raise InputError("option --as-of: only for a replay (RULEBOOK RECORDS SUBJECT)")
        if not Path(source).is_dir():
            raise InputError(f"{source[:80]!r} is not a run folder; to replay, give RULEBOOK "
                             "RECORDS SUBJECT")
        _explain_run(source, second)
        return
    from scslab.regime import explain as run_explain
    from scslab.regime import load_rulebook, read_records

    day = _day(as_of, "--as-of")
    rb = load_rulebook(source)
    cf = run_explain(rb, read_records(Path(second), rb), subject, as_of=day)
    out.print(f"[bold]Credit file of {_t(cf.subject)}[/] under [bold]{_t(cf.regime)}[/]")
    if cf.representative:
        out.print(f"Consequences that fall on the legal representative are borne by "
                  f"{_t(cf.representative)}, not shown below.")
    t = Table(title="Ledger", show_lines=False)
    for c in ("date", "act", "delta", "score after", "band", "rule"):
        t.add_column(c, justify="right" if c in ("delta", "score after") else "left")
    for ln in cf.lines:
        t.add_row(ln.date, _t(ln.act), f"{ln.delta:+d}",
                  "" if ln.score_after is None else str(ln.score_after), _t(ln.band), _t(ln.rule))
    out.print(t)
    h = Table(title="Band, list and consequence history")
    for c in ("from", "band", "lists", "restrictions", "privileges"):
        h.add_column(c)
    for s in cf.history:
        h.add_row(s.date, _t(s.band), _t(", ".join(s.lists)), _t(", ".join(s.restrictions)),
                  _t(", ".join(s.privileges)))
    out.print(h)


def _explain_run(folder: str, subject: str) -> None:
    """``explain RUN_DIR SUBJECT``: the merged file (scslab.runfile)."""
    from scslab.runfile import subject_file

    f = subject_file(folder, subject)
    attrs = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                      for k, v in f.attributes.items() if v is not None)
    out.print(f"[bold]File of {_t(f.id)}[/] (row {f.subject}): {_t(attrs)}")
    for n in f.notes:
        out.print(f"Note: {_t(n)}")
    t = Table(title="File, in date order")
    for c in ("date", "regime", "kind", "entry"):
        t.add_column(c)
    for e in f.entries:
        t.add_row(e.date, _t(e.regime), e.kind, _t(e.text))
    out.print(t)
    h = Table(title="At the end of the run")
    for c in ("regime", "score", "band", "lists"):
        h.add_column(c)
    for rid, st in f.final.items():
        h.add_row(_t(rid), "" if st["score"] is None else str(st["score"]), _t(st["band"] or ""),
                  _t(", ".join(st["lists"])))
    out.print(h)


# ------------------------------------------------------------------------------ run
def _checked_out(out_dir: str | None, force: bool) -> Path | None:
    """``--out`` checked before anything is simulated (scslab.runfolder_write)."""
    if out_dir is None:
        return None
    from scslab.runfolder_write import check_output_folder

    return check_output_folder(out_dir, force)


def _run(scenario: str, persons: int | None, days: int | None, seed: int | None,
         dest: Path | None, label: str, force: bool, sets: list[str] | None = None,
         partitions: int = 1, checkpoint_every: int = 30, resume: bool = False) -> RunResult:
    from scslab.memory import check_memory
    from scslab.sim import resolve, run_scenario

    plan = resolve(scenario, persons=persons, days=days, seed=seed, sets=_parse_sets(sets or []))
    check_memory(plan.horizon.persons, len(plan.rulebooks),
                 "--persons" if persons is not None else f"{scenario}: [horizon] persons")
    # The bar starts with the first simulated day, so an error while the simulation is set up
    # stays one line.
    with _LazyProgress(label, plan.horizon.days) as p:
        return run_scenario(plan, out=dest, force=force, on_day=p.update, partitions=partitions,
                            checkpoint_every=checkpoint_every, resume=resume)


def _parse_sets(items: list[str]) -> dict[str, object]:
    """``--set KEY=VALUE`` options as a mapping; VALUE is a TOML value, else plain text."""
    from scslab.regime.load import parse_toml

    out: dict[str, object] = {}
    for item in items:
        key, eq, text = item.partition("=")
        key = key.strip()
        if not eq or not key:
            raise InputError(f"option --set: expected KEY=VALUE, got {item[:60]!r}")
        try:
            value = parse_toml(f"v = {text}", "--set")["v"]
        except InputError:
            value = text.strip()
        out[key] = value
    return out


class _LazyProgress:
    """A rich progress bar over days that appears on the first :meth:`update`."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total = label, total
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def update(self, day: int) -> None:
        if self.bar is None or self.task is None:  # set together, on the first day
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(),
                                TextColumn("days"), TimeRemainingColumn(), console=err,
                                transient=False)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total)
        self.bar.update(self.task, completed=day + 1)

    def __enter__(self) -> _LazyProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_summary(res: RunResult) -> None:
    for s in res.summary():
        t = Table(title=f"{_t(s['regime'])}: bands at the start and the end")
        t.add_column("band")
        t.add_column("start", justify="right")
        t.add_column("end", justify="right")
        for b, n0 in s["bands_start"].items():
            t.add_row(_t(b), f"{n0:,}", f"{s['bands_end'][b]:,}")
        for lid, n in s["lists_end"].items():
            t.add_row(f"list {_t(lid)}", "0", f"{n:,}")
        if s["mean_score_end"] is not None:
            t.add_row("mean score", f"{s['mean_score_start']:.2f}", f"{s['mean_score_end']:.2f}")
        out.print(t)
    a = Table(title="Acts over the run")
    a.add_column("act")
    a.add_column("occurred", justify="right")
    a.add_column("recorded", justify="right")
    tot_o = tot_r = 0
    for act, (o, r) in res.acts().items():
        a.add_row(_t(act), f"{o:,}", f"{r:,}")
        tot_o, tot_r = tot_o + o, tot_r + r
    a.add_row("[bold]all[/]", f"{tot_o:,}", f"{tot_r:,}")
    out.print(a)


def _days_option(value: int | None) -> int | None:
    if value is not None and DAYS.problem(value):
        raise typer.BadParameter(f"{value} is not within {DAYS.lo}..{DAYS.hi:,} days")
    return value


_SEED_MAX = SEED.hi

Persons = Annotated[int | None, typer.Option(min=PERSONS.lo, metavar="N",
                                             help="synthetic persons (default: the scenario's)")]
Days = Annotated[int | None, typer.Option(callback=_days_option, metavar="DAYS",
                                          help="simulated days (default: the scenario's)")]
Seed = Annotated[int | None, typer.Option(min=0, max=_SEED_MAX, metavar="SEED",
                                          help="run seed (default: the scenario's)")]
Force = Annotated[bool, typer.Option("--force", help="write into a folder that holds files, "
                                     "replacing scslab's own files there")]


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="built-in scenario name or scenario TOML file",
                                            metavar="SCENARIO")],
    out_dir: Annotated[str | None, typer.Option(
        "--out", metavar="DIR", help="run folder to write (without it: the summary only)")] = None,
    persons: Persons = None,
    days: Days = None,
    seed: Seed = None,
    report: Annotated[bool, typer.Option("--report", help="also write report.html")] = False,
    force: Force = False,
    sets: Annotated[list[str] | None, typer.Option(
        "--set", metavar="KEY=VALUE",
        help="change one scenario key, e.g. behaviour.aware_share=0.5 (repeatable)")] = None,
    partitions: Annotated[int, typer.Option(
        "--partitions", metavar="P",
        help="process persons in P contiguous partitions (same results for every P)")] = 1,
    checkpoint_every: Annotated[int, typer.Option(
        "--checkpoint-every", metavar="K",
        help="write a checkpoint into the run folder every K simulated days (0: none)")] = 30,
    resume: Annotated[str | None, typer.Option(
        "--resume", metavar="DIR",
        help="continue the killed run whose folder is DIR (give its scenario and options)")] = None,
) -> None:
    """Simulate a scenario on a synthetic society and write a run folder."""
    if resume is not None:
        if out_dir is not None and Path(out_dir) != Path(resume):
            raise InputError("option --resume: it names the run folder; --out, if given, must "
                             "name the same folder")
        out_dir = resume
    if report and out_dir is None:
        raise InputError("option --report: needs --out, the run folder to write it into")
    dest = _checked_out(out_dir, force or resume is not None)
    res = _run(scenario, persons, days, seed, dest, "simulating", force, sets, partitions,
               checkpoint_every, resume is not None)
    _print_summary(res)
    if dest is None:
        out.print(f"({res.seconds:.1f} s; no run folder written: give --out DIR for one)")
        return
    out.print(f"Run folder: [bold]{_t(dest)}[/] ({res.seconds:.1f} s)")
    if report:
        from scslab.report import write_report

        out.print(f"Report: [bold]{_t(write_report(dest))}[/]")


@app.command()
def demo(
    out_dir: Annotated[str, typer.Option("--out", metavar="DIR",
                                         help="run folder to write")] = "scslab-demo",
    persons: Annotated[int, typer.Option(min=PERSONS.lo, metavar="N",
                                         help="synthetic persons")] = 100_000,
    days: Annotated[int, typer.Option(callback=_days_option, metavar="DAYS",
                                      help="simulated days")] = 730,
    seed: Annotated[int, typer.Option(min=0, max=_SEED_MAX, metavar="SEED", help="run seed")] = 0,
    force: Force = False,
) -> None:
    """Run Rongcheng's regime on a synthetic city for two years and write a report."""
    dest = _checked_out(out_dir, force)
    assert dest is not None  # --out has a default here
    out.print(f"Rongcheng regime on a synthetic city of {persons:,} persons for {days} days "
              "(synthetic people only; no real data).")
    res = _run("rongcheng", persons, days, seed, dest, "simulating Rongcheng", force)
    _print_summary(res)
    from scslab.report import write_report

    path = write_report(dest)
    out.print(f"Run folder: [bold]{_t(dest)}[/] ({res.seconds:.1f} s)")
    out.print(f"Report: [bold]{_t(path)}[/]")


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="a run folder", metavar="DIR")]) -> None:
    """Write report.html (self-contained, with plots) into a run folder."""
    from scslab.report import write_report

    out.print(f"Report: [bold]{_t(write_report(run_dir))}[/]")


@app.command()
def bench(
    persons: Annotated[int, typer.Option(min=PERSONS.lo, metavar="N",
                                         help="synthetic persons")] = 1_000_000,
    days: Annotated[int, typer.Option(callback=_days_option, metavar="DAYS",
                                      help="simulated days")] = 365,
    seed: Annotated[int, typer.Option(min=0, max=_SEED_MAX, metavar="SEED", help="run seed")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Run the benchmark scenario (docs/benchmark.md) and report its speed."""
    from scslab.memory import check_memory
    from scslab.sim import bench as run_bench

    check_memory(persons, 1)
    res = run_bench(persons, days, seed)
    if as_json:
        sys.stdout.write(json.dumps(res) + "\n")
        return
    out.print(f"{res['persons']:,} persons x {res['days']} days in {res['seconds']:.3f} s: "
              f"{res['person_days_per_s']:.3g} person-days/s, peak RSS {res['peak_rss_mb']:.0f} MiB")
    out.print(f"mean score {res['mean_score']:.3f}; bands {res['bands']}")


# -------------------------------------------------------------------------- regimes
@regimes_app.callback()
def regimes(ctx: typer.Context) -> None:
    """List the built-in regimes with a one-line description each."""
    if ctx.invoked_subcommand is not None:
        return
    from scslab.regime import builtin_regimes, load_rulebook

    t = Table(title="Built-in regimes")
    t.add_column("regime")
    t.add_column("description")
    for name in builtin_regimes():
        t.add_row(name, escape(_line(load_rulebook(name).regime.description)))
    out.print(t)


@regimes_app.command("show")
def regimes_show(name: Annotated[str, typer.Argument(help="regime name or rulebook file",
                                                     metavar="NAME")]) -> None:
    """Print a regime's rules, bands, lists, consequences and sources."""
    from scslab.regime import describe_rulebook, load_rulebook

    sys.stdout.write(describe_rulebook(load_rulebook(name)) + "\n")


@regimes_app.command("export")
def regimes_export(name: Annotated[str, typer.Argument(help="a built-in regime", metavar="NAME")],
                   ) -> None:
    """Print a built-in regime's rulebook TOML, to copy and edit."""
    from scslab.regime.load import builtin_text

    sys.stdout.write(builtin_text(name))


# ------------------------------------------------------------------------ scenarios
def _scenario_text(name: str) -> str:
    from importlib import resources

    from scslab.sim import builtin_scenarios

    if name not in builtin_scenarios():
        raise InputError(f"unknown scenario {name[:60]!r}; built-in scenarios are "
                         f"{', '.join(builtin_scenarios())}")
    return (resources.files("scslab.sim.scenarios") / f"{name}.toml").read_text(encoding="utf-8")


@scenarios_app.callback()
def scenarios(ctx: typer.Context) -> None:
    """List the built-in scenarios with a one-line description each."""
    if ctx.invoked_subcommand is not None:
        return
    import tomllib

    from scslab.sim import builtin_scenarios

    for name in builtin_scenarios():
        meta = tomllib.loads(_scenario_text(name)).get("scenario", {})
        sys.stdout.write(f"{name:<22} {_line(meta.get('description', ''))}\n")


@scenarios_app.command("export")
def scenarios_export(name: Annotated[str, typer.Argument(help="a built-in scenario",
                                                         metavar="NAME")]) -> None:
    """Print a built-in scenario's TOML, to copy and edit."""
    sys.stdout.write(_scenario_text(name))


# ---------------------------------------------------------------------------- check
@app.command()
def check(path: Annotated[str, typer.Argument(help="a rulebook or scenario TOML file",
                                              metavar="FILE")]) -> None:
    """Check a rulebook or scenario file against its schema; print every error found."""
    try:
        kind, text = _check(path)
    except InputError as e:
        from scslab.regime.load import MAX_ERRORS  # the cap on the errors one file reports

        for x in e.related[:MAX_ERRORS]:
            _say(f"error: {x}")
        if e.total > MAX_ERRORS:
            _say(f"... and {e.total - MAX_ERRORS} more")
        raise typer.Exit(2) from None
    out.print(f"{_t(path)}: a valid {kind} ({escape(_line(text))})")


def _check(path: str) -> tuple[str, str]:
    from scslab import inputfile
    from scslab.regime import load_rulebook
    from scslab.regime.load import parse_toml

    p = Path(path)
    if not inputfile.is_file(p):
        raise InputError("no such file", file=p)
    data = parse_toml(inputfile.read_text(p, "file"), str(p))
    if "scenario" in data:
        from scslab.sim import resolve

        plan = resolve(p)  # exactly what 'scslab run' does before it simulates
        return "scenario", f"{plan.scenario.scenario.name}, regimes {', '.join(plan.scenario.regimes)}"
    rb = load_rulebook(p)
    return "rulebook", f"{rb.regime.id}, {len(rb.acts)} acts"


# ----------------------------------------------------------------------- experiments
register_experiments(app)
register_studies(app)
register_dashboard(app)


# ----------------------------------------------------------------------------- main
def _say(line: str) -> None:
    """One line on stderr: escape codes stripped, line breaks folded."""
    sys.stderr.write(" ".join(safe_text(line).split()) + "\n")


#: Shells typer writes completion scripts for.
SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")
COMPLETION_OPTIONS = ("--show-completion", "--install-completion")


def _named_shell_completion(args: list[str]) -> int | None:
    """``scslab --show-completion SHELL`` / ``--install-completion SHELL``; None for other args.

    typer's own options (``add_completion``) detect the shell from the process tree and ignore
    a shell named after them; that fails where no shell is found (CI, a script, ``env -i``).
    A named shell is served here, without detection.
    """
    if len(args) != 2 or args[0] not in COMPLETION_OPTIONS or args[1].startswith("-"):
        return None
    shell = args[1].lower()
    if shell not in SHELLS:
        raise InputError(f"{args[0]}: unknown shell {args[1][:40]!r}; one of {', '.join(SHELLS)}")
    from typer._completion_shared import get_completion_script, install

    complete_var = "_SCSLAB_COMPLETE"
    if args[0] == "--show-completion":
        sys.stdout.write(get_completion_script(prog_name="scslab", complete_var=complete_var,
                                               shell=shell) + "\n")
    else:
        shell, path = install(shell=shell, prog_name="scslab", complete_var=complete_var)
        sys.stdout.write(f"{shell} completion installed in {path}; it takes effect in a new shell.\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default: the command line) and return the exit code.

    Bad input and option errors print one line and give 2, Ctrl-C gives 130; neither shows a
    traceback. Callable in-process (the tests do), it never calls ``sys.exit``.
    """
    command = typer.main.get_command(app)
    try:
        named = _named_shell_completion(sys.argv[1:] if argv is None else list(argv))
        if named is not None:
            return named
        code = command.main(args=argv, prog_name="scslab", standalone_mode=False)
    except InputError as e:
        _say(f"error: {e}")
        return 2
    except typer.TyperException as e:  # a usage error: unknown option, bad value, missing argument
        ctx = getattr(e, "ctx", None)
        where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        _say(f"error: {e.format_message()}{where}")
        return int(getattr(e, "exit_code", 2))
    except typer.Abort:
        _say("scslab: aborted")
        return 1
    except KeyboardInterrupt:
        _say("scslab: interrupted")
        return INTERRUPTED
    except SystemExit as e:  # a broken pipe: the reader went away (typer exits 1)
        return e.code if isinstance(e.code, int) else 1
    except MemoryError:
        _say("error: out of memory; use fewer --persons or --days")
        return 1
    except OSError as e:  # the disk filled up, a file vanished while being written
        _say(f"error: {e.filename or ''}: {e.strerror or e}")
        return 1
    if code == INTERRUPTED:  # typer turns Ctrl-C inside a command into exit code 130
        _say("scslab: interrupted")
    return code if isinstance(code, int) else 0
