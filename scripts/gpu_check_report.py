#!/usr/bin/env python3
"""scripts/gpu_check_report.py STATEDIR OUTDIR — the report of scripts/gpu-check.

Writes OUTDIR/gpu-check.json and OUTDIR/gpu-check.md (each atomically) from
  meta.tsv      KEY<TAB>VALUE lines (a later line wins)
  steps.tsv     NAME<TAB>STATUS<TAB>SECONDS<TAB>NOTE<TAB>COMMAND lines
  bench.log     horizon bench's output (its JSON lines are read)
  jax-peer.log  bench/jax_peer.py's output (likewise)
  OUTDIR/gtest-cuda.xml, when there, for the test counts
in STATEDIR. Any python3 (standard library only).
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

state, out = sys.argv[1], sys.argv[2]


def read_tsv(name, ncols):
    rows = []
    try:
        with open(os.path.join(state, name), encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                rows.append((parts + [""] * ncols)[:ncols])
    except FileNotFoundError:
        pass
    return rows


def json_lines(name):
    rows = []
    try:
        with open(os.path.join(state, name), encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        rows.append(json.loads(line))
                    except ValueError:
                        pass
    except FileNotFoundError:
        pass
    return [r for r in rows if isinstance(r, dict)]


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def gtest_counts(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    c = {"tests": 0, "passed": 0, "failed": 0, "skipped": 0, "first_skip_reason": None}
    for tc in root.iter("testcase"):
        c["tests"] += 1
        skip = tc.find("skipped")
        if tc.find("failure") is not None:
            c["failed"] += 1
        elif tc.get("result") == "skipped" or skip is not None:
            c["skipped"] += 1
            if c["first_skip_reason"] is None and skip is not None:
                lines = (skip.get("message") or "").splitlines()
                c["first_skip_reason"] = lines[-1] if lines else None
        else:
            c["passed"] += 1
    return c


meta = {k: v for k, v in read_tsv("meta.tsv", 2)}
steps = [{"name": n, "status": s, "seconds": num(sec), "note": note, "command": cmd}
         for n, s, sec, note, cmd in read_tsv("steps.tsv", 5)]
bench = json_lines("bench.log")
peak = next((r for r in bench if r.get("benchmark") == "cuda_peak"), None)
hrows = [r for r in bench if r.get("benchmark") == "cuda_trajectory"]
jrows = [r for r in json_lines("jax-peer.log") if r.get("benchmark") == "jax_trajectory"]


def key(r):
    return (r.get("kind"), r.get("precision"), r.get("d"), r.get("K"), r.get("runs"), r.get("T"), r.get("noise"))


jax_by = {key(r): r for r in jrows}
comparison = []
for h in hrows:
    j = jax_by.get(key(h))
    if j is None:
        continue
    hr, jr = num(h.get("run_steps_per_s")), num(j.get("run_steps_per_s"))
    comparison.append({
        "kind": h.get("kind"), "precision": h.get("precision"), "d": h.get("d"), "K": h.get("K"),
        "runs": h.get("runs"), "T": h.get("T"), "N_horizon": h.get("N"), "N_jax": j.get("N"),
        "horizon_run_steps_per_s": hr, "jax_run_steps_per_s": jr,
        "horizon_over_jax": hr / jr if hr and jr else None,
    })

all_ok = bool(steps) and all(s["status"] == "ok" for s in steps)
dirty = {"true": True, "false": False}.get(meta.get("git_dirty", ""))
report = {
    "tool": "scripts/gpu-check",
    "command": meta.get("command"),
    "date": meta.get("date"),
    "ok": all_ok,
    "finished": meta.get("finished") == "true",
    "git": {"commit": meta.get("git_commit") or None, "dirty": dirty,
            "source_digest": meta.get("source_digest") or None},
    "device": {"name": meta.get("gpu_name"), "count": meta.get("gpu_count"), "memory": meta.get("gpu_memory"),
               "compute_capability": meta.get("gpu_cc") or None, "driver": meta.get("driver"),
               "driver_cuda": meta.get("driver_cuda") or None},
    "toolkit": {"nvcc": meta.get("nvcc") or None, "compute_sanitizer": meta.get("sanitizer") or None},
    "build": {"dir": meta.get("build_dir") or None, "origin": meta.get("build_origin") or None,
              "cuda": meta.get("build_cuda") or None, "cuda_architectures": meta.get("build_arch") or None,
              "linked_paths": [p for p in meta.get("links", "").split(";") if p],
              "ld_library_path_added": [p for p in meta.get("ld_added", "").split(":") if p],
              "missing_libraries": [p for p in meta.get("missing_libs", "").split() if p]},
    "settings": {"test_filter": meta.get("test_filter"), "sanitizer_filter": meta.get("sanitizer_filter"),
                 "racecheck_filter": meta.get("racecheck_filter"),
                 "bench_grid": meta.get("bench_grid"), "python": meta.get("python")},
    "steps": steps,
    "tests": gtest_counts(os.path.join(out, "gtest-cuda.xml")),
    "bench": {"peak": peak, "rows": hrows},
    "jax_peer": {"device": jrows[0].get("device") if jrows else None,
                 "jax_version": jrows[0].get("jax_version") if jrows else None, "rows": jrows},
    "comparison": comparison,
}


def g(x, digits=3):
    if not isinstance(x, (int, float)) or isinstance(x, bool):
        return "—"
    s = f"{x:.{digits}g}"
    if "e" in s:
        m, e = s.split("e")
        s = f"{m}e{int(e)}"
    return s


def flops(x):
    if isinstance(x, (int, float)) and 1000 <= x < 1e7:
        return f"{x:.0f}"
    return g(x, 4)


def cell(s):
    return str(s).replace("|", "\\|") if s not in (None, "") else "—"


md = []
md.append("<!-- written by scripts/gpu-check: paste into docs/performance.md -->")
dev = report["device"]
devtxt = f"{dev['name'] or 'unknown GPU'}"
extra = [x for x in (dev["memory"], f"compute capability {dev['compute_capability']}" if dev["compute_capability"] else None) if x]
if extra:
    devtxt += f" ({', '.join(extra)})"
if dev["count"] and dev["count"] not in ("1", "0"):
    devtxt += f", first of {dev['count']}"
gitd = report["git"]
commit = f"commit {gitd['commit'][:12]}" if gitd["commit"] else "commit unknown"
if gitd["dirty"]:
    commit += " with uncommitted changes"
b = report["build"]
buildtxt = f"build `{b['dir']}/` {b['origin'] or ''}" if b["dir"] else "no usable build"
if b["cuda"]:
    buildtxt += f", CUDA {b['cuda']}"
if b["cuda_architectures"]:
    buildtxt += f", sm_{b['cuda_architectures']}"
md.append(f"Produced by `{report['command'] or 'scripts/gpu-check'}` on {report['date'] or 'unknown date'}: "
          f"{devtxt}, driver {dev['driver'] or '—'} (CUDA {dev['driver_cuda'] or '—'}), "
          f"nvcc {report['toolkit']['nvcc'] or '—'}; {buildtxt}; {commit}, "
          f"source digest {gitd['source_digest'] or '—'}.")
failed = [s["name"] for s in steps if s["status"] != "ok"]
if not report["finished"]:
    verdict = "**Incomplete: the run was cut short.**" + (f" Not ok so far: {', '.join(failed)}." if failed else "")
elif all_ok:
    verdict = f"**All {len(steps)} steps passed.**"
else:
    verdict = f"**Not ok: {', '.join(failed)}.**"
md += ["", verdict, "", "| step | status | seconds | result |", "|---|---|---:|---|"]
for s in steps:
    sec = f"{s['seconds']:.1f}" if s["seconds"] is not None else "—"
    md.append(f"| {s['name']} | {s['status']} | {sec} | {cell(s['note'])} |")
md += ["", "Commands (relative to the repository root):", "", "```sh"]
for s in steps:
    if s["command"]:
        md += [f"# {s['name']}", s["command"]]
md += ["```", ""]

if hrows:
    if peak:
        md.append(f"Peak {peak.get('precision', '')} rate of the device: measured {flops(peak.get('peak_measured_gflops'))} GFLOP/s, "
                  f"theoretical {flops(peak.get('peak_theoretical_gflops'))} GFLOP/s ({peak.get('fma_units_per_sm')} FMA units/SM × "
                  f"{peak.get('multiprocessors')} SMs × {g(peak.get('clock_mhz'), 4)} MHz × 2); CPU reference on "
                  f"{peak.get('cpu_threads')} threads.")
    jd = report["jax_peer"]
    md.append(f"JAX peer: {'jax ' + jd['jax_version'] if jd['jax_version'] else 'no rows'}"
              f"{' on ' + jd['device'] if jd['device'] else ''}. Every row: T = {hrows[0].get('T')}, noise {hrows[0].get('noise')}, "
              f"{hrows[0].get('precision')}; N from the flop target (both sides alike); run-steps/s = runs × N / wall time; "
              f"GFLOP/s by the docs/algorithm.md §7 model (dense 4·K·d², diagonal 7·K·d per run-step).")
    md += ["", "| kind | d | K | runs | N | horizon path | run-steps/s | GFLOP/s | % of measured peak | × CPU | JAX run-steps/s | horizon / JAX |",
           "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    cmp_by = {(c["kind"], c["precision"], c["d"], c["K"], c["runs"], c["T"]): c for c in comparison}
    for h in hrows:
        c = cmp_by.get((h.get("kind"), h.get("precision"), h.get("d"), h.get("K"), h.get("runs"), h.get("T")))
        pct = h.get("pct_of_measured_peak")
        md.append(f"| {h.get('kind')} | {h.get('d')} | {h.get('K')} | {h.get('runs')} | {h.get('N')} | {cell(h.get('path'))} "
                  f"| {g(h.get('run_steps_per_s'))} | {flops(h.get('model_gflop_per_s'))} "
                  f"| {f'{pct:.1f}' if isinstance(pct, (int, float)) else '—'} | {g(h.get('speedup_vs_cpu'))} "
                  f"| {g(c['jax_run_steps_per_s']) if c else '—'} | {g(c['horizon_over_jax']) if c else '—'} |")
else:
    md.append("No throughput figures: the bench step wrote no rows.")
md.append("")

for name, text in (("gpu-check.json", json.dumps(report, indent=2) + "\n"), ("gpu-check.md", "\n".join(md))):
    tmp = os.path.join(out, "." + name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, os.path.join(out, name))
