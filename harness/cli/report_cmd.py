"""``spdt-harness report merge|render``: work with saved ``audit --format json`` reports.

``merge A.json B.json … [--output FILE]`` joins the shards of one audit (pages in crawl or URL
order) and exits like the audit would have: 0, 1 (an error finding) or 2 (a page not audited).
``render FILE.json --format html|text|junit|sarif|json [--output FILE]`` renders a saved audit
and exits 0.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.common import Command, one_line_errors, wants_colour, write_output

FORMATS = ("json", "text", "junit", "html", "sarif")


def configure(parser: argparse.ArgumentParser) -> Command:
    one_line_errors(parser)
    sub = parser.add_subparsers(dest="report_command", metavar="ACTION")
    merge = sub.add_parser("merge", help="join shard reports (JSON) into one")
    one_line_errors(merge)
    merge.add_argument("reports", nargs="+", metavar="FILE", help="audit JSON reports")
    merge.add_argument("--format", choices=FORMATS, default="json", help="default: json")
    merge.add_argument("--output", metavar="FILE", help="default: stdout")
    render = sub.add_parser("render", help="render a saved audit (JSON) in another format")
    one_line_errors(render)
    render.add_argument("report", metavar="FILE", help="an audit JSON report")
    render.add_argument("--format", choices=FORMATS, default="html", help="default: html")
    render.add_argument("--output", metavar="FILE", help="default: stdout")
    return run


def run(args: argparse.Namespace) -> int:
    from harness.audit import load_report, merge_reports
    from harness.errors import UsageError
    from harness.reports.formats import render

    if args.report_command is None:
        raise UsageError("report needs an action: merge or render")
    colour = wants_colour(args.output)
    if args.report_command == "merge":
        merged = merge_reports([(p, load_report(Path(p))) for p in args.reports])
        write_output(render(merged, args.format, colour=colour), args.output)
        return merged.exit_code
    report = load_report(Path(args.report))
    write_output(render(report, args.format, colour=colour), args.output)
    return 0
