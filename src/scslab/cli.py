"""The scslab command line: a thin layer over the Python API.

Bad input (a rulebook, scenario, record file or option) prints one line that says what is wrong
and where, and exits with code 2, without a traceback.
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from scslab.errors import InputError

app = typer.Typer(
    name="scslab",
    help="A laboratory for social credit regimes, run on synthetic societies only.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
regimes_app = typer.Typer(help="List the built-in regimes, or show one with its sources.",
                          invoke_without_command=True, no_args_is_help=False)
app.add_typer(regimes_app, name="regimes")

# Piped output is not wrapped at 80 columns: tables stay whole for files and other programs.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, soft_wrap=True)


def _day(text: str | None, option: str) -> int | None:
    from scslab.dates import to_day

    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError
        return to_day(_dt.date.fromisoformat(text))
    except ValueError:
        raise InputError(f"option {option}: a date YYYY-MM-DD was expected, got {text!r}") from None


# --------------------------------------------------------------------------- replay
@app.command()
def replay(
    rulebook: Annotated[str, typer.Argument(help="built-in regime name or rulebook TOML file")],
    records: Annotated[Path, typer.Argument(
        help="record CSV: date,subject,act[,value][,age][,representative]")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="state at the end of this date")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines instead of CSV")] = False,
) -> None:
    """Replay records through a regime and print every subject's final state."""
    from scslab.regime import load_rulebook, read_records
    from scslab.regime import replay as run_replay

    rb = load_rulebook(rulebook)
    recs = read_records(records, rb)
    rows = run_replay(rb, recs, as_of=_day(as_of, "--as-of")).rows()
    if as_json:
        for r in rows:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["subject", "score", "band", "lists", "restrictions", "privileges"])
    for r in rows:
        w.writerow([r["subject"], "" if r["score"] is None else r["score"], r["band"],
                    ";".join(r["lists"]), ";".join(r["restrictions"]), ";".join(r["privileges"])])


@app.command()
def explain(
    rulebook: Annotated[str, typer.Argument(help="built-in regime name or rulebook TOML file")],
    records: Annotated[Path, typer.Argument(help="record CSV")],
    subject: Annotated[str, typer.Argument(help="the subject id")],
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
) -> None:
    """Show one subject's credit file: records, ledger lines with their rules, history."""
    from scslab.regime import explain as run_explain
    from scslab.regime import load_rulebook, read_records

    rb = load_rulebook(rulebook)
    cf = run_explain(rb, read_records(records, rb), subject, as_of=_day(as_of, "--as-of"))
    out.print(f"[bold]Credit file of {cf.subject}[/] under [bold]{cf.regime}[/]")
    if cf.representative:
        out.print(f"Consequences that fall on the legal representative are borne by "
                  f"{cf.representative}, not shown below.")
    t = Table(title="Ledger", show_lines=False)
    for c in ("date", "act", "delta", "score after", "band", "rule"):
        t.add_column(c, justify="right" if c in ("delta", "score after") else "left")
    for ln in cf.lines:
        t.add_row(ln.date, ln.act, f"{ln.delta:+d}", "" if ln.score_after is None else str(ln.score_after),
                  ln.band, ln.rule)
    out.print(t)
    h = Table(title="Band, list and consequence history")
    for c in ("from", "band", "lists", "restrictions", "privileges"):
        h.add_column(c)
    for s in cf.history:
        h.add_row(s.date, s.band, ", ".join(s.lists), ", ".join(s.restrictions), ", ".join(s.privileges))
    out.print(h)


# ------------------------------------------------------------------------------ run
def _progress(days: int, label: str):
    p = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("days"),
                 TimeRemainingColumn(), console=err, transient=False)
    return p


def _run(scenario: str, persons: int | None, days: int | None, seed: int | None, dest: Path,
         label: str):
    from scslab.sim import load_scenario, run_scenario

    sc = load_scenario(scenario)
    n_days = days if days is not None else sc.horizon.days
    with _progress(n_days, label) as p:
        task = p.add_task(label, total=n_days)
        res = run_scenario(sc, persons=persons, days=days, seed=seed, out=dest,
                           on_day=lambda k: p.update(task, completed=k + 1))
    return res


def _print_summary(res) -> None:
    for s in res.summary():
        t = Table(title=f"{s['regime']}: bands at the start and the end")
        t.add_column("band")
        t.add_column("start", justify="right")
        t.add_column("end", justify="right")
        for b, n0 in s["bands_start"].items():
            t.add_row(b, f"{n0:,}", f"{s['bands_end'][b]:,}")
        for lid, n in s["lists_end"].items():
            t.add_row(f"list {lid}", "0", f"{n:,}")
        if s["mean_score_end"] is not None:
            t.add_row("mean score", f"{s['mean_score_start']:.2f}", f"{s['mean_score_end']:.2f}")
        out.print(t)
    a = Table(title="Acts over the run")
    a.add_column("act")
    a.add_column("occurred", justify="right")
    a.add_column("recorded", justify="right")
    tot_o = tot_r = 0
    for act, (o, r) in res.acts().items():
        a.add_row(act, f"{o:,}", f"{r:,}")
        tot_o, tot_r = tot_o + o, tot_r + r
    a.add_row("[bold]all[/]", f"{tot_o:,}", f"{tot_r:,}")
    out.print(a)


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="built-in scenario name or scenario TOML file")],
    out_dir: Annotated[Path, typer.Option("--out", help="run folder to write")],
    persons: Annotated[int | None, typer.Option(help="synthetic persons (default: scenario's)")] = None,
    days: Annotated[int | None, typer.Option(help="simulated days (default: scenario's)")] = None,
    seed: Annotated[int | None, typer.Option(help="run seed (default: scenario's)")] = None,
    report: Annotated[bool, typer.Option(help="also write report.html")] = False,
) -> None:
    """Simulate a scenario on a synthetic society and write a run folder."""
    res = _run(scenario, persons, days, seed, out_dir, "simulating")
    _print_summary(res)
    out.print(f"Run folder: [bold]{out_dir}[/] ({res.seconds:.1f} s)")
    if report:
        from scslab.report import write_report

        out.print(f"Report: [bold]{write_report(out_dir)}[/]")


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="run folder to write")] = Path("scslab-demo"),
    persons: Annotated[int, typer.Option(help="synthetic persons")] = 100_000,
    days: Annotated[int, typer.Option(help="simulated days")] = 730,
    seed: Annotated[int, typer.Option(help="run seed")] = 0,
) -> None:
    """Run Rongcheng's regime on a synthetic city for two years and write a report."""
    from scslab.report import write_report

    out.print(f"Rongcheng regime on a synthetic city of {persons:,} persons for {days} days "
              "(synthetic people only; no real data).")
    res = _run("rongcheng", persons, days, seed, out_dir, "simulating Rongcheng")
    _print_summary(res)
    path = write_report(out_dir)
    out.print(f"Run folder: [bold]{out_dir}[/] ({res.seconds:.1f} s)")
    out.print(f"Report: [bold]{path}[/]")


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="a run folder")]) -> None:
    """Write report.html (self-contained, with plots) into a run folder."""
    from scslab.report import write_report

    out.print(f"Report: [bold]{write_report(run_dir)}[/]")


@app.command()
def bench(
    persons: Annotated[int, typer.Option(help="synthetic persons")] = 1_000_000,
    days: Annotated[int, typer.Option(help="simulated days")] = 365,
    seed: Annotated[int, typer.Option(help="run seed")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Run the benchmark scenario (docs/benchmark.md) and report its speed."""
    from scslab.sim import bench as run_bench

    if persons < 1 or days < 1 or seed < 0:
        raise InputError("--persons and --days must be at least 1 and --seed non-negative")
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
        t.add_row(name, load_rulebook(name).regime.description)
    out.print(t)


@regimes_app.command("show")
def regimes_show(name: Annotated[str, typer.Argument(help="regime name or rulebook file")]) -> None:
    """Print a regime's rules, bands, lists, consequences and sources."""
    from scslab.regime import describe_rulebook, load_rulebook

    sys.stdout.write(describe_rulebook(load_rulebook(name)) + "\n")


@app.command()
def check(path: Annotated[str, typer.Argument(help="a rulebook or scenario TOML file")]) -> None:
    """Check a rulebook or scenario file against its schema."""
    from scslab.regime import load_rulebook
    from scslab.regime.load import parse_toml

    p = Path(path)
    if not p.is_file():
        raise InputError("no such file", file=p)
    data = parse_toml(p.read_text(encoding="utf-8"), str(p))
    if "scenario" in data:
        from scslab.sim import load_scenario

        sc = load_scenario(p)
        out.print(f"{p}: a valid scenario ({sc.scenario.name}, regimes {', '.join(sc.regimes)})")
    else:
        rb = load_rulebook(p)
        out.print(f"{p}: a valid rulebook ({rb.regime.id}, {len(rb.acts)} acts)")


def main() -> None:
    """Entry point: run the CLI; turn bad input into one line and exit code 2."""
    try:
        app()
    except InputError as e:
        err.print(f"error: {e}", markup=False, highlight=False)
        raise SystemExit(2) from None
