"""The ``scslab study`` commands: ``list`` the built-in studies, ``run`` one into a folder.

Registered on the main app by :mod:`scslab.cli`; a thin layer over :mod:`scslab.studies`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from scslab.cli_experiment import Force, Processes, RayAddress, executor_for, out
from scslab.text import safe_text

study_app = typer.Typer(help="The built-in studies of the seeds' questions: list them, run one.",
                        no_args_is_help=True)


@study_app.command("list")
def list_studies() -> None:
    """Print each built-in study with its one-line question."""
    from scslab.studies.spec import builtin_studies, load_study

    for name in builtin_studies():
        s = load_study(name)
        out.print(f"{name:<18} (seed {s.seed}) {safe_text(s.question)}")


@study_app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="a built-in study (scslab study list) or a study TOML file",
                                        metavar="NAME")],
    out_dir: Annotated[str, typer.Option("--out", metavar="DIR", help="study folder to write")],
    quick: Annotated[bool, typer.Option("--quick", help="the study's small size (under a minute)")] = False,
    replicates: Annotated[int | None, typer.Option(min=1, max=200, metavar="R",
                                                   help="replicates per arm (default: the study's)")] = None,
    processes: Processes = None,
    ray_address: RayAddress = None,
    force: Force = False,
) -> None:
    """Run a study; write results.parquet, runs.parquet, report.html and study.toml."""
    from scslab.experiment.folder import check_folder
    from scslab.studies.run import run_study
    from scslab.studies.spec import load_study

    load_study(name)  # an unknown study or a bad file fails before the folder is looked at
    check_folder(out_dir, force)
    res = run_study(name, quick=quick, replicates=replicates, executor=executor_for(processes, ray_address))
    out.print(f"{res.study.name}: {len(res.study.arms)} arm(s) × {res.size.replicates} replicate(s) "
              f"in {res.seconds:.1f} s")
    from scslab.studies.conclude import conclusion

    for line in conclusion(res):
        out.print(f"  {safe_text(line)}")
    path = res.write(out_dir, force)
    out.print(f"Study folder: [bold]{safe_text(str(path))}[/]")


def register(app: typer.Typer) -> None:
    """Add ``study`` to ``app``."""
    app.add_typer(study_app, name="study")
