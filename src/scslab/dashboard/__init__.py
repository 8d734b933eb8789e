"""``scslab dashboard``: a local web app over run folders, studies and sweeps (docs/dashboard.md).

Nothing here imports Dash at import time: :mod:`scslab.dashboard.folders` finds and checks the
folders (so bad input fails as one line before any web code loads), :mod:`.data` answers the
views' questions from Parquet (DuckDB scans for the large per-subject tables), and
:mod:`.app` builds the Dash app. Install the extra: ``pip install 'scslab[dashboard]'``.
"""

from __future__ import annotations
