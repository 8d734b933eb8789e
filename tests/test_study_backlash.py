"""The backlash study's outcry rule on hand-made counts: publications, lag, threshold."""

from __future__ import annotations

import datetime as dt

import numpy as np

from scslab.studies.measures.backlash import NEVER, month_ends, outcry_day


def test_month_ends_of_2010() -> None:
    start = dt.date(2010, 1, 1)
    assert month_ends(start, 90)[:2] == [30, 58]  # 31 Jan and 28 Feb


def test_outcry_trips_on_the_first_publication_at_or_over_the_threshold() -> None:
    start = dt.date(2010, 1, 1)
    ever = np.zeros(200)
    ever[20:] = 1.0   # 1 per 100,000 from 21 Jan
    ever[70:] = 2.0   # 2 per 100,000 from 12 Mar
    # Publications from the end of Feb (day 58) on, 22 days after each month's end.
    assert outcry_day(ever, start, 22, 1.0, first=58) == 58 + 22     # 22 Mar
    assert outcry_day(ever, start, 22, 1.5, first=58) == 89 + 22     # the end of March, published 22 Apr
    assert outcry_day(ever, start, 22, 3.0, first=58) == NEVER
    # A publication after the horizon does not count.
    assert outcry_day(ever[:80], start, 22, 1.0, first=58) == NEVER


def _tripping_study(tmp_path):
    """The backlash study with a threshold of 0: the first publication (22 Mar) trips it."""
    from importlib import resources

    text = (resources.files("scslab.studies.defs") / "backlash.toml").read_text(encoding="utf-8")
    text = text.replace("outcry_per_100k = 1.5\n", "outcry_per_100k = 0.0\n")
    assert "outcry_per_100k = 0.0\n" in text
    p = tmp_path / "backlash.toml"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_a_tripped_rule_ends_the_regime_in_a_run_identical_up_to_the_end(tmp_path) -> None:
    import pyarrow.compute as pc

    from scslab.studies.run import Job, run_arm, run_job
    from scslab.studies.spec import Size, load_study

    file = _tripping_study(tmp_path)
    study = load_study(file)
    arm = study.arms[0]
    job = Job(file, 0, 1, Size(persons=3000, days=120, replicates=1))
    sim, first, _, went_on = run_arm(study, arm, job, dict(arm.sets))
    events = first.follow_up()
    end = first.end_day()
    assert end == 58 + 22 and events is not None  # the end of Feb, published 22 days later
    assert events[0]["action"] == "end" and events[0]["date"] == "2010-03-22"
    sets = dict(arm.sets, timeline=events)
    _, _, _, ended = run_arm(study, arm, job, sets)

    def series(metrics, name):
        m = metrics.filter(pc.and_(pc.equal(metrics.column("metric"), name),
                                   pc.is_valid(metrics.column("date"))))
        return m.column("value").to_numpy()

    regime = first.e.rulebook.regime.id
    for act in sim.plan.scenario.acts:
        a, b = series(went_on, f"occurred/{act}"), series(ended, f"occurred/{act}")
        assert (a[:end] == b[:end]).all(), act  # the same run up to the end
    # From its end the regime takes no records: its mean score stays where it was.
    mean = series(ended, f"{regime}/mean_score")
    assert (mean[end:] == mean[end]).all()
    assert not (series(went_on, f"{regime}/mean_score")[end:] == mean[end]).all()
    # The study's rows come from the second run and compare it with the first.
    rows = run_job(job)
    names = set(rows.column("metric").to_pylist())
    assert {"harmful_after_end_per_1000py", "harmful_after_end_per_1000py_had_it_gone_on",
            "cd_person_days_imposed"} <= names
    value = dict(zip(rows.column("metric").to_pylist(), rows.column("value").to_pylist(), strict=False))
    assert value["days_to_outcry"] == end


def test_a_rule_that_never_trips_asks_for_no_second_run(tmp_path) -> None:
    from scslab.studies.run import Job, run_arm
    from scslab.studies.spec import Size, load_study

    study = load_study("backlash")
    arm = study.arms[0]
    job = Job("backlash", 0, 1, Size(persons=300, days=40, replicates=1))  # no publication by day 40
    _, m, _, _ = run_arm(study, arm, job, dict(arm.sets))
    assert m.follow_up() is None and m.end_day() == NEVER
