import datetime as dt
import json
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    benchmark: str
    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline_value: float | None = None
    # "higher" when more is better (throughput), "lower" for durations.
    better: str = "higher"
    target: str = ""
    met: bool | None = None
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.baseline_value or not self.value:
            return None
        if self.better == "higher":
            return self.baseline_value / self.value
        return self.value / self.baseline_value


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)

    def add(self, **kwargs) -> Figure:
        figure = Figure(**kwargs)
        self.figures.append(figure)
        return figure

    def machine(self) -> dict:
        cpu = ""
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        memory = ""
        try:
            kib = int(Path("/proc/meminfo").read_text().split()[1])
            memory = f"{kib / 1024 / 1024:.1f} GiB"
        except (OSError, ValueError, IndexError):
            pass
        return {"cpus": os.cpu_count(), "cpu": cpu, "memory": memory, "python": platform.python_version(),
                "system": platform.platform()}

    def write(self) -> tuple[Path, Path]:
        RESULTS.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        json_path = RESULTS / "latest.json"
        figures = [{**asdict(f), "ratio": f.ratio, "measured_at": now} for f in self.figures]
        # Running some benchmarks keeps the others' last figures, so the table always covers them all.
        ran = {f.benchmark for f in self.figures}
        if json_path.exists():
            previous = json.loads(json_path.read_text())
            kept = [{"measured_at": previous.get("generated_at", ""), **f} for f in previous.get("figures", [])
                    if f["benchmark"] not in ran]
            figures = sorted(kept + figures, key=lambda f: f["benchmark"])
        data = {"generated_at": now, "machine": self.machine(), "figures": figures}
        json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        md_path = RESULTS / "latest.md"
        machine = data["machine"]
        lines = [
            "# Benchmark results", "",
            f"Generated {now} on {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory']}, "
            f"Python {machine['python']}.", "",
            "Ratio: how many times slower than the baseline measured in the same run (1.0 = as fast).", "",
            "| benchmark | figure | value | baseline | baseline value | ratio | target | met | measured |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for f in figures:
            ratio = f"{f['ratio']:.2f}×" if f["ratio"] is not None else "–"
            base = f"{f['baseline_value']:,.1f} {f['unit']}" if f["baseline_value"] is not None else "–"
            met = {True: "yes", False: "**no**", None: "–"}[f["met"]]
            lines.append(f"| {f['benchmark']} | {f['name']} | {f['value']:,.1f} {f['unit']} | "
                         f"{f['baseline_name'] or '–'} | {base} | {ratio} | {f['target'] or '–'} | {met} | "
                         f"{f['measured_at'][:16].replace('T', ' ')} |")
        md_path.write_text("\n".join(lines) + "\n")
        return json_path, md_path


def timed(fn):
    """(seconds, result) of calling fn."""
    import time

    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def require_bench_database() -> None:
    """Benchmarks wipe their tables: refuse any database whose name does not say it is for benchmarks."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if not name.endswith("_bench"):
        raise SystemExit(f"Refusing to wipe {name!r}: the benchmark database's name must end in _bench.")


def bench_database_ensure() -> None:
    """Create the benchmark database when it does not exist yet (a fresh machine)."""
    import psycopg2
    from django.db import connection

    params = connection.get_connection_params()
    name = params.pop("dbname", None) or params.pop("database")
    admin = psycopg2.connect(**{**params, "dbname": "postgres"})
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
