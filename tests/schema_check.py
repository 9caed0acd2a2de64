#!/usr/bin/python3
"""Validate a sweep folder's outputs against the JSON Schemas in docs/schema/.

Usage: tests/schema_check.py DIR [--schemas SCHEMA_DIR] [--max-errors N]

Checks DIR/manifest.json (manifest.schema.json), DIR/summary.json
(summary.schema.json, when there is one: `horizon analyze DIR` writes it; pass
--require-summary to make its absence an error) and every data row of
DIR/runs.csv (runs-row.schema.json), each row read as an object keyed by the
header: a cell of digits is an integer, another numeral a number, an empty
cell null; anything else stays a string, which no column accepts. Beyond the
schemas it checks what they cannot say: the header's order
(T,N,seed,rounds,steps,val_loss,phi,fw_gap,diverged,w_0..w_{K-1},val_acc with
K = manifest.problem.K), and val_acc against the problem's kind (null on every
quadratic row; a number on every logistic row not diverged).

Exit 0 when everything matches; 1 with one line per problem on stderr
("FILE: row R (line L): at $.PATH: MESSAGE"); 2 when it cannot check (a file
missing or not JSON, or no jsonschema module: run scripts/bootstrap).

Runs under Debian's /usr/bin/python3 with python3-jsonschema (scripts/bootstrap
installs it); the CTest cases output_schemas* run it on fresh sweeps.
"""
import argparse
import json
import math
import os
import re
import sys

PROG = "schema_check"


def die(msg, code=2):
    print(f"{PROG}: error: {msg}", file=sys.stderr)
    sys.exit(code)


try:
    import jsonschema
    from jsonschema import validators
except ImportError as e:  # never skip silently: the check must run or fail
    die(f"the Python module jsonschema is missing for {sys.executable} ({e}): "
        "run scripts/bootstrap (it installs python3-jsonschema)")

FIXED = ["T", "N", "seed", "rounds", "steps", "val_loss", "phi", "fw_gap", "diverged"]
INT_RE = re.compile(r"^-?[0-9]+$")
NUM_RE = re.compile(r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")


def strict_validator(schema, name):
    """The validator class the schema's $schema names, with JSON's integer:
    1000 is one, 1000.0 is not (what horizon's readers accept)."""
    cls = validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        die(f"{name}: not a valid JSON Schema: {e.message}")
    checker = cls.TYPE_CHECKER.redefine(
        "integer", lambda _checker, v: isinstance(v, int) and not isinstance(v, bool))
    return validators.extend(cls, type_checker=checker)(schema)


def json_path(error):
    path = "$"
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def cell_value(s):
    """A runs.csv cell as JSON: empty -> null, digits -> integer, numeral -> number."""
    if s == "":
        return None
    if INT_RE.match(s):
        return int(s)
    if NUM_RE.match(s):
        v = float(s)
        if math.isfinite(v):
            return v
    return s  # 'nan', 'inf', 'abc': no column's type


class Report:
    def __init__(self, max_errors):
        self.count = 0
        self.max_errors = max_errors

    def error(self, where, msg):
        self.count += 1
        if self.count <= self.max_errors:
            print(f"{where}: {msg}", file=sys.stderr)
        elif self.count == self.max_errors + 1:
            print(f"{PROG}: (more errors not shown)", file=sys.stderr)

    def validate(self, validator, instance, where):
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
        for e in errors:
            self.error(where, f"at {json_path(e)}: {e.message}")
        return not errors


def load_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        die(f"{path}: cannot read: {e.strerror}")
    except ValueError as e:
        die(f"{path}: not valid JSON: {e}")


def check_runs(path, validator, manifest, report):
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except OSError as e:
        die(f"{path}: cannot read: {e.strerror}")
    if not lines or lines[0] == "":
        report.error(path, "empty file (expected a header row)")
        return 0
    header = lines[0].split(",")
    problem = manifest.get("problem") if isinstance(manifest, dict) else None
    K = problem.get("K") if isinstance(problem, dict) else None
    kind = problem.get("kind") if isinstance(problem, dict) else None
    if isinstance(K, int):
        expected = FIXED + [f"w_{j}" for j in range(K)] + ["val_acc"]
        if header != expected:
            report.error(f"{path}: line 1", f"header is {','.join(header)}; expected {','.join(expected)} "
                                            f"(K = {K} from manifest.problem.K)")
    if len(set(header)) != len(header):
        report.error(f"{path}: line 1", "a column name repeats")
    rows = 0
    for lineno, line in enumerate(lines[1:], start=2):
        if line == "":
            continue
        rows += 1
        where = f"{path}: row {rows} (line {lineno})"
        cells = line.split(",")
        if len(cells) != len(header):
            report.error(where, f"has {len(cells)} cells, the header has {len(header)}")
            continue
        row = {name: cell_value(c) for name, c in zip(header, cells)}
        if not report.validate(validator, row, where):
            continue
        if kind == "quadratic" and row.get("val_acc") is not None:
            report.error(where, f"at $.val_acc: {row['val_acc']!r} on a quadratic problem (expected null)")
        if kind == "logistic" and row.get("diverged") == 0 and row.get("val_acc") is None:
            report.error(where, "at $.val_acc: null on a logistic run not diverged (expected a number)")
    if rows == 0:
        report.error(path, "no data rows")
    return rows


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", metavar="DIR", help="a sweep's output folder")
    ap.add_argument("--schemas", default=os.path.normpath(os.path.join(here, "..", "docs", "schema")),
                    help="the folder of the *.schema.json files (default: the repository's docs/schema)")
    ap.add_argument("--require-summary", action="store_true", help="a missing DIR/summary.json is an error")
    ap.add_argument("--max-errors", type=int, default=20, help="problems printed at most (default 20)")
    args = ap.parse_args()

    schemas = {}
    for name in ("manifest", "summary", "runs-row"):
        path = os.path.join(args.schemas, f"{name}.schema.json")
        schemas[name] = strict_validator(load_json(path), path)

    report = Report(args.max_errors)
    manifest_path = os.path.join(args.dir, "manifest.json")
    summary_path = os.path.join(args.dir, "summary.json")
    runs_path = os.path.join(args.dir, "runs.csv")
    for p in (manifest_path, runs_path):
        if not os.path.exists(p):
            die(f"{p}: missing (is {args.dir} a sweep's output folder?)")

    manifest = load_json(manifest_path)
    report.validate(schemas["manifest"], manifest, manifest_path)
    checked = ["manifest.json"]
    if os.path.exists(summary_path) or args.require_summary:
        if not os.path.exists(summary_path):
            die(f"{summary_path}: missing (run horizon analyze {args.dir})")
        report.validate(schemas["summary"], load_json(summary_path), summary_path)
        checked.append("summary.json")
    rows = check_runs(runs_path, schemas["runs-row"], manifest, report)
    checked.append(f"runs.csv ({rows} rows)")

    if report.count:
        print(f"{PROG}: {args.dir}: {report.count} problem(s) against the schemas in {args.schemas}",
              file=sys.stderr)
        return 1
    print(f"{PROG}: {args.dir}: {', '.join(checked)} match the schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
