"""Python's round(x, 2), compiled, for many values at once. Scores are rounded to cents
(`score_lead`), and every bulk path must round them exactly as it does; a Python loop
over millions of values costs seconds, and NumPy's and Numba's own rounding differ from
Python's on ties (2.675 → 2.67 in Python, whose binary value is just below the tie)."""

import numpy as np
from numba import njit

_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's constant, splits a double into two halves


@njit(cache=True)
def round2(x: float) -> float:
    """round(x, 2): the exact binary value of x rounded to two decimals, ties to even, then
    the double nearest that decimal. x × 100 is formed exactly as hi + lo (Dekker's
    product); hi - whole - 0.5 is exact wherever the sign could be in doubt, and adding lo
    keeps that sign right."""
    if not np.isfinite(x):
        return x
    hi = x * 100.0
    c = _SPLIT * x
    x_hi = c - (c - x)
    lo = (x_hi * 100.0 - hi) + (x - x_hi) * 100.0
    whole = np.floor(hi)
    beyond_half = (hi - whole - 0.5) + lo
    if beyond_half > 0.0 or (beyond_half == 0.0 and whole - 2.0 * np.floor(whole / 2.0) != 0.0):
        whole += 1.0
    return whole / 100.0


@njit(cache=True)
def round2_array(values: np.ndarray) -> np.ndarray:
    result = np.empty_like(values)
    for i in range(values.size):
        result[i] = round2(values[i])
    return result
