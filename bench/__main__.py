"""Run every benchmark and write bench/results/latest.json and latest.md.

Usage: python -m bench [NAME ...]   (names from BENCHMARKS; all when none is given)
"""

import importlib
import os
import sys

# Modules under bench/, each with run(report). Add new benchmarks here.
BENCHMARKS: list[str] = ["ingest", "ingest_reversals", "ingest_dialer", "crypto", "validation", "escalation",
                          "escalation_plan", "visits", "dashboards", "negotiation", "pages", "search", "metrics",
                          "scaling"]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_portal.settings.test")
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/collections_portal_bench")
    import django

    django.setup()
    from bench.report import Report, bench_database_ensure

    chosen = argv or BENCHMARKS
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(sorted(unknown))}. Known: {', '.join(BENCHMARKS)}")
        return 2
    bench_database_ensure()
    report = Report()
    for name in chosen:
        print(f"== {name}", flush=True)
        importlib.import_module(f"bench.{name}").run(report)
    json_path, md_path = report.write()
    print(md_path.read_text())
    print(f"Wrote {json_path} and {md_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
