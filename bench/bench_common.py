"""Helpers shared by the bench/ comparison and cross-check scripts.

Interpreter: Debian's system Python, /usr/bin/python3 (numpy from apt).
"""
import platform

import numpy as np


def cpu_model():
    """The CPU's model name from /proc/cpuinfo, for the tables."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg():
    """The 1/5/15-minute load averages as one string."""
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def compare_seed_means(label, T, h, m, names, z_max, verbose, zmax, failures):
    """Compares the seed means of each column of h (horizon) and m (numpy):
    |z| = |mean_h − mean_m| / combined standard error. Prints val_loss (all
    columns with verbose), appends a failure for |z| > z_max, and returns the
    largest (|z|, where) so far given the previous `zmax`."""
    for c, name in enumerate(names):
        mh, mn = h[:, c].mean(), m[:, c].mean()
        se = np.hypot(h[:, c].std(ddof=1) / np.sqrt(len(h)), m[:, c].std(ddof=1) / np.sqrt(len(m)))
        z = abs(mh - mn) / se if se > 0 else (0.0 if mh == mn else np.inf)
        if c == 0 or verbose:
            print("  T=%-3d %-8s horizon %.6f  numpy %.6f  (s.e. %.1e, |z| %.2f)" % (T, name, mh, mn, se, z))
        if z > zmax[0]:
            zmax = (z, "T=%d %s" % (T, name))
        if z > z_max:
            failures.append("%s T=%d %s: horizon mean %.6g, numpy mean %.6g, |z| = %.2f" % (label, T, name, mh, mn, z))
    return zmax
