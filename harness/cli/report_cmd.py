"""``spdt-harness report merge|render``: work with saved ``audit --format json`` reports.

``merge A.json B.json … [--output FILE]`` joins the shards of one audit (pages in crawl or URL
order) and exits like the audit would have: 0, 1 (an error finding) or 2 (a page not audited).
``render FILE.json --format html|text|junit|sarif|json [--output FILE]`` renders a saved audit
and exits 0.
``diff BASELINE.json CURRENT.json [--fail-on new|any] [--format F]`` compares two saved audits
(new, unchanged, resolved findings; harness/reports/baseline.py) and exits 0, or 1 when an error
finding fails the gate (``new``, the default here: one not in the baseline; ``any``: any error
in CURRENT), or 2 when CURRENT has a page that was not audited.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.common import Command, one_line_errors, wants_colour, write_output
from harness.vocab import OUTPUT_FORMATS


def configure(parser: argparse.ArgumentParser) -> Command:
    one_line_errors(parser)
    sub = parser.add_subparsers(dest="report_command", metavar="ACTION")
    merge = sub.add_parser("merge", help="join shard reports (JSON) into one")
    one_line_errors(merge)
    merge.add_argument("reports", nargs="+", metavar="FILE", help="audit JSON reports")
    merge.add_argument("--format", choices=OUTPUT_FORMATS, default="json", help="default: json")
    merge.add_argument("--output", metavar="FILE", help="default: stdout")
    render = sub.add_parser("render", help="render a saved audit (JSON) in another format")
    one_line_errors(render)
    render.add_argument("report", metavar="FILE", help="an audit JSON report")
    render.add_argument("--format", choices=OUTPUT_FORMATS, default="html", help="default: html")
    render.add_argument("--output", metavar="FILE", help="default: stdout")
    diff = sub.add_parser("diff", help="compare two saved audits: new, unchanged, resolved")
    one_line_errors(diff)
    diff.add_argument("baseline", metavar="BASELINE", help="the earlier audit JSON report")
    diff.add_argument("current", metavar="CURRENT", help="the later audit JSON report")
    diff.add_argument("--format", choices=OUTPUT_FORMATS, default="text", help="default: text")
    diff.add_argument(
        "--fail-on",
        choices=("new", "any"),
        default="new",
        help="exit 1 on a new error finding (default) or on any error finding in CURRENT",
    )
    diff.add_argument("--output", metavar="FILE", help="default: stdout")
    return run


def run(args: argparse.Namespace) -> int:
    from harness.audit import load_report, merge_reports
    from harness.errors import UsageError
    from harness.reports.formats import render

    if args.report_command is None:
        raise UsageError("report needs an action: merge, render or diff")
    colour = wants_colour(args.output)
    if args.report_command == "merge":
        merged = merge_reports([(p, load_report(Path(p))) for p in args.reports])
        write_output(render(merged, args.format, colour=colour), args.output)
        return merged.exit_code
    if args.report_command == "diff":
        from harness.reports.baseline import compare, gate_exit_code

        current = load_report(Path(args.current))
        comparison = compare(load_report(Path(args.baseline)), current, args.baseline)
        text = render(
            current, args.format, colour=colour, baseline=comparison, fail_on=args.fail_on
        )
        write_output(text, args.output)
        return gate_exit_code(current, comparison, args.fail_on)
    report = load_report(Path(args.report))
    write_output(render(report, args.format, colour=colour), args.output)
    return 0
