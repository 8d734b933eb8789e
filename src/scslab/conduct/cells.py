"""Attribute cells: persons grouped by the attributes some act's rate depends on.

An act may scale its rate by sex, income quintile, region and household role
(:class:`scslab.conduct.acts.Multipliers`). Only the attributes some act names make cells, so a
scenario without multipliers has one cell. A person's cell is fixed for the run, and travels
in their queue entry with their age group, so the daily kernels gather nothing per person.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from scslab.conduct.acts import Multipliers
from scslab.errors import InputError

QUINTILES = 5


def quintile(ability: np.ndarray, sigma: float) -> np.ndarray:
    """Income quintile 0..4 of relative incomes, lognormal with median 1 and log-sd ``sigma``.

    The cut-offs are the distribution's own, ``exp(sigma * Phi^-1(k / 5))``, so the fifths are
    exact in expectation and need no sort of the population.
    """
    if sigma <= 0:
        return np.full(len(ability), QUINTILES // 2, np.uint8)
    cuts = [sigma * NormalDist().inv_cdf(k / QUINTILES) for k in range(1, QUINTILES)]
    return np.searchsorted(np.array(cuts), np.log(np.asarray(ability, np.float64))).astype(np.uint8)


class Cells:
    """The cells of a scenario's acts over one society.

    Args:
        mults: per act, its multipliers (None: none).
        region_codes: the society's 6-digit division codes.
        source: the scenario, for errors.
        ids: the act ids, for errors.
    """

    def __init__(self, mults: tuple[Multipliers | None, ...], region_codes: list[str], source: str,
                 ids: tuple[str, ...]) -> None:
        used = [m for m in mults if m is not None]
        self.attrs: list[tuple[str, int]] = []  # (attribute, levels), in cell radix order
        if any(m.sex for m in used):
            self.attrs.append(("sex", 2))
        if any(m.income_quintile for m in used):
            self.attrs.append(("income_quintile", QUINTILES))
        if any(m.region for m in used):
            self.attrs.append(("region", len(region_codes)))
        if any(m.household_role for m in used):
            self.attrs.append(("household_role", 2))
        self.n = int(np.prod([k for _, k in self.attrs])) if self.attrs else 1
        self.factor = np.ones((self.n, len(mults)))
        for a, m in enumerate(mults):
            if m is None:
                continue
            for code in m.region:
                if code not in region_codes:
                    raise InputError(f"region {code} is not one of the society's "
                                     f"({', '.join(region_codes)})", file=source,
                                     key=f"acts.{ids[a]}.multipliers.region")
            for c in range(self.n):
                self.factor[c, a] = self._factor(m, self.levels(c), region_codes)

    def levels(self, cell: int) -> dict[str, int]:
        """The attribute levels of a cell."""
        out = {}
        for name, k in reversed(self.attrs):
            out[name] = cell % k
            cell //= k
        return out

    @staticmethod
    def _factor(m: Multipliers, lv: dict[str, int], codes: list[str]) -> float:
        f = 1.0
        if "sex" in lv:
            f *= m.sex.get("male" if lv["sex"] else "female", 1.0)
        if "income_quintile" in lv and m.income_quintile:
            f *= m.income_quintile[lv["income_quintile"]]
        if "region" in lv:
            f *= m.region.get(codes[lv["region"]], 1.0)
        if "household_role" in lv:
            f *= m.household_role.get("head" if lv["household_role"] else "member", 1.0)
        return f

    def of(self, sex: np.ndarray, income_quintile: np.ndarray, region: np.ndarray,
           head: np.ndarray) -> np.ndarray:
        """Cell of every person from their attributes (uint8; 0 for all with one cell)."""
        values = {"sex": sex, "income_quintile": income_quintile, "region": region,
                  "household_role": head}
        cell = np.zeros(len(sex), np.int64)
        for name, k in self.attrs:
            cell = cell * k + np.asarray(values[name], np.int64)
        return cell.astype(np.uint8)
