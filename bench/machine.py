"""The machine's state beside a benchmark's figures, for the reports. bench/lib.sh writes for every measured run the
columns load1_before, steal_before_pct, other_cpu_before_pct (the sample just before the round), load1_max, steal_pct,
other_cpu_pct (during the run) and machine (quiet or busy, by the CPU shares alone) into the benchmark's CSV; a round
counts as quiet only when every run in it was."""

HEADER = "other CPU % before | steal % before | load before | other CPU % during | steal % during | max load during"
ALIGN = "---:|---:|---:|---:|---:|---:"


def verdicts(rows, key="round"):
    """Each round (the value of column `key`, in order of appearance) -> "quiet" or "busy"."""
    out = {}
    for row in rows:
        out[row[key]] = "quiet" if row["machine"] == "quiet" and out.get(row[key], "quiet") == "quiet" else "busy"
    return out


def by_machine(verdict):
    """[("quiet", rounds), ("busy", rounds)], the quiet first, an empty one left out."""
    return [(m, [r for r, v in verdict.items() if v == m]) for m in ("quiet", "busy")
            if any(v == m for v in verdict.values())]


def state(rows):
    """The machine columns over some runs, the highest of each."""
    def worst(column, form):
        values = [float(r[column]) for r in rows if r.get(column)]
        return form.format(max(values)) if values else "-"
    return " | ".join((worst("other_cpu_before_pct", "{:.1f}"), worst("steal_before_pct", "{:.1f}"),
                       worst("load1_before", "{:.2f}"), worst("other_cpu_pct", "{:.1f}"), worst("steal_pct", "{:.1f}"),
                       worst("load1_max", "{:.2f}")))


def summary(verdict, unit="rounds"):
    """The line that says how many rounds were quiet and which figures the report leads with."""
    quiet, total = sum(v == "quiet" for v in verdict.values()), len(verdict)
    if quiet:
        busy = total - quiet
        return (f"Machine: {quiet} of {total} {unit} quiet; the figures below are the quiet {unit}'"
                + (f", the busy {unit}' beside them, marked busy." if busy else "."))
    return f"Machine: 0 of {total} {unit} quiet: busy machine, every figure below was taken on a busy machine."
