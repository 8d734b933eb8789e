"""The built-in studies: the seeds' questions as declared designs, run with replicates.

A study (``scslab/studies/defs/NAME.toml``, :mod:`scslab.studies.spec`) names a question, its
seed, a scenario, arms, sizes and cited parameters; its measure module
(:mod:`scslab.studies.measures`) turns each run into metrics; :func:`run_study` runs every arm
× replicate and summarises them; the report's conclusion is computed from the results
(:mod:`scslab.studies.conclude`). See docs/studies.md.
"""

from scslab.studies.run import StudyResult, run_study
from scslab.studies.spec import Study, builtin_studies, load_study

__all__ = ["Study", "StudyResult", "builtin_studies", "load_study", "run_study"]
