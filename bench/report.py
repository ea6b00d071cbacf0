# SPDX-License-Identifier: MIT
"""Report writing for bench/run: medians, ratios, geometric means, Markdown, CSV and the gnuplot chart."""

import csv
import math
import os
import shutil
import statistics
import subprocess


class Record:
    """One run in a report: workload (name), allocator, round, threads and what benchcommon.Run measured."""

    def __init__(self, workload, alloc, rnd, run, threads=1, scale=""):
        self.w, self.a, self.rnd, self.threads, self.scale = workload, alloc, rnd, threads, scale
        self.secs, self.kib, self.status = run.seconds, run.peak_kib, run.status
        self.minflt, self.majflt, self.user, self.sys = run.minflt, run.majflt, run.user, run.sys
        self.stats, self.extra = dict(run.stats), dict(run.extra)


class Cell:
    """All runs of one workload under one allocator."""

    def __init__(self):
        self.runs = []        # Records

    def ok(self):
        return [r for r in self.runs if r.status == "ok"]

    def failed(self):
        return [r for r in self.runs if r.status != "ok"]

    def _median(self, get):
        vals = [get(r) for r in self.ok()]
        vals = [v for v in vals if v is not None]
        return statistics.median(vals) if vals else None

    def time(self):
        return self._median(lambda r: r.secs)

    def rss_mib(self):
        v = self._median(lambda r: r.kib)
        return v / 1024.0 if v is not None else None

    def minflt(self):
        return self._median(lambda r: r.minflt)

    def stat(self, name):
        """Median of one of the allocator's own counters (mirt), None if it reports none."""
        return self._median(lambda r: r.stats.get(name))

    def extra(self, key):
        return self._median(lambda r: r.extra.get(key))


def cells_of(records):
    cells = {}
    for r in records:
        cells.setdefault((r.w, r.a), Cell()).runs.append(r)
    return cells


def _value(cell, what):
    if cell is None:
        return None
    return {"time": cell.time, "rss": cell.rss_mib, "faults": cell.minflt}[what]()


def ratio(cells, w, a, base, what):
    """what: time, rss or faults (minor page faults)."""
    va, vb = _value(cells.get((w, a)), what), _value(cells.get((w, base)), what)
    if va is None or vb is None or vb <= 0 or va <= 0:
        return None
    return va / vb


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def _fmt_val(cell, what):
    if cell is None:
        return "-"
    v = _value(cell, what)
    if v is None:
        return "FAIL" if cell.time() is None else "-"
    mark = "!" if cell.failed() else ""
    if what == "faults":
        return _kilo(v) + mark
    return ("%.3f" if what == "time" else "%.1f") % v + mark


def _kilo(v):
    """A count in thousands with a precision that suits it (faults: 0.3k .. 526k)."""
    if v is None:
        return "-"
    k = v / 1000.0
    return "%.2fk" % k if k < 10 else "%.1fk" % k if k < 100 else "%.0fk" % k


def _fmt_ratio(cells, w, a, base, what):
    r = ratio(cells, w, a, base, what)
    if r is not None:
        return "%.2f" % r
    c = cells.get((w, a))
    return "FAIL" if c is not None and c.time() is None else "-"


def render(rows):
    """A Markdown table from rows of strings (the first is the header; column 0 left-aligned)."""
    n = len(rows[0])
    widths = [max(len(r[i]) for r in rows) for i in range(n)]
    out = []
    for k, r in enumerate(rows):
        cols = [r[0].ljust(widths[0])] + [c.rjust(widths[i]) for i, c in enumerate(r) if i > 0]
        out.append("| " + " | ".join(cols) + " |")
        if k == 0:
            out.append("|" + "|".join("-" * (widths[0] + 2) if i == 0 else "-" * (widths[i] + 1) + ":"
                                      for i in range(n)) + "|")
    return "\n".join(out)


def table(cells, workloads, allocs, base, threads_of):
    """The Markdown table of medians and ratios (rows = workloads)."""
    others = [a for a in allocs if a != base]
    head = ["workload", "thr"]
    for a in allocs:
        head += ["%s s" % a, "%s MiB" % a]
    for a in others:
        head += ["%s/%s t" % (a, base), "%s/%s rss" % (a, base)]
    rows = [head]
    for w in workloads:
        row = [w, str(threads_of(w))]
        for a in allocs:
            row += [_fmt_val(cells.get((w, a)), "time"), _fmt_val(cells.get((w, a)), "rss")]
        for a in others:
            row += [_fmt_ratio(cells, w, a, base, "time"), _fmt_ratio(cells, w, a, base, "rss")]
        rows.append(row)
    return render(rows)


def has_stats(cells, a):
    return any(c.stat("purges") is not None for (w, x), c in cells.items() if x == a)


def faults_table(cells, workloads, allocs, base, sysc=None):
    """Per workload and allocator: the time ratio beside the minor page faults
    (medians), mirt's own purge and mmap counts, and the madvise/munmap calls
    counted by strace (sysc: (workload, allocator) -> counts) where there are any."""
    sysc = sysc or {}
    with_sys = {a for (_, a) in sysc}
    head = ["workload"]
    for a in allocs:
        if a != base:
            head.append("%s t" % a)
        head.append("%s faults" % a)
        if has_stats(cells, a):
            head += ["%s purges" % a, "%s mmaps" % a]
        if a in with_sys:
            head += ["%s madvise" % a, "%s munmap" % a]
    rows = [head]
    for w in workloads:
        row = [w]
        for a in allocs:
            c = cells.get((w, a))
            if a != base:
                row.append(_fmt_ratio(cells, w, a, base, "time"))
            row.append(_fmt_val(c, "faults"))
            if has_stats(cells, a):
                for k in ("purges", "mmaps"):
                    v = c.stat(k) if c else None
                    row.append("%.0f" % v if v is not None else "-")
            if a in with_sys:
                sc = sysc.get((w, a))
                row += ["%d" % sc["madvise"] if sc else "-", "%d" % sc["munmap"] if sc else "-"]
        rows.append(row)
    return render(rows)


def flags(cells, workloads, allocs, time_limit=1.10, fault_limit=2.0, kinds=("time", "faults", "latency")):
    """Workloads where a mirt allocator misses the targets: time above
    time_limit x the faster of mi and sys, minor faults above fault_limit x
    mi's, or malloc latency above LATENCY_TARGETS (issue 16)."""
    out = []
    for a in allocs:
        if not a.startswith("mirt"):
            continue
        for w in workloads:
            c = cells.get((w, a))
            if c is None or c.time() is None:
                continue
            peers = [(cells[(w, p)].time(), p) for p in ("mi", "sys")
                     if (w, p) in cells and cells[(w, p)].time()]
            why = []
            if peers and "time" in kinds:
                best, who = min(peers)
                if c.time() > time_limit * best:
                    why.append("time %.2fx %s's" % (c.time() / best, who))
            mi = cells.get((w, "mi"))
            if "faults" in kinds and mi is not None and mi.minflt() and c.minflt() is not None \
                    and c.minflt() > fault_limit * mi.minflt():
                why.append("faults %.1fx mi's (%s vs %s)" % (c.minflt() / mi.minflt(), _kilo(c.minflt()),
                                                              _kilo(mi.minflt())))
            for key, label, limit in LATENCY_TARGETS:
                v = c.extra(key)
                if v is not None and v > limit and "latency" in kinds:
                    why.append("%s %.1f µs > %g" % (label, v, limit))
            if why:
                out.append("- %s / %s: %s" % (w, a, ", ".join(why)))
    return out


LATENCY_KEYS = [("p50_us", "p50"), ("p99_us", "p99"), ("p999_us", "p99.9"), ("p9999_us", "p99.99"),
                ("max_us", "max")]


LATENCY_TARGETS = [("p99_us", "p99", 3.0), ("p9999_us", "p99.99", 40.0), ("max_us", "max", 2000.0)]


def latency_table(cells, workloads, allocs):
    """For workloads that report malloc latency percentiles: one row per allocator (medians, µs)."""
    rows = [["workload", "allocator"] + ["%s µs" % k for _, k in LATENCY_KEYS] + ["mallocs timed", "s", "MiB",
                                                                                 "faults"]]
    for w in workloads:
        for a in allocs:
            c = cells.get((w, a))
            if c is None or c.extra("max_us") is None:
                continue
            row = [w, a]
            for key, _ in LATENCY_KEYS:
                v = c.extra(key)
                row.append("-" if v is None else "%.2f" % v if v < 10 else "%.1f" % v if v < 1000 else "%.0f" % v)
            n = c.extra("timed")
            row.append("%.0f" % n if n is not None else "-")
            row += [_fmt_val(c, "time"), _fmt_val(c, "rss"), _fmt_val(c, "faults")]
            rows.append(row)
    return render(rows) if len(rows) > 1 else ""


def summary(cells, workloads, allocs, base):
    """Per allocator: geometric means of the ratios, worst workloads, failed runs."""
    lines = ["| allocator | time geomean vs %s | RSS geomean vs %s | faults geomean vs %s | n "
             "| worst time | worst RSS | failed runs |" % (base, base, base),
             "|---|---:|---:|---:|---:|---|---|---:|"]
    for a in allocs:
        tr = [(ratio(cells, w, a, base, "time"), w) for w in workloads]
        rr = [(ratio(cells, w, a, base, "rss"), w) for w in workloads]
        fr = [ratio(cells, w, a, base, "faults") for w in workloads]
        tr = [(r, w) for r, w in tr if r is not None]
        rr = [(r, w) for r, w in rr if r is not None]
        fr = [r for r in fr if r is not None]
        nfail = sum(len(cells[(w, a)].failed()) for w in workloads if (w, a) in cells)
        nrun = sum(len(cells[(w, a)].runs) for w in workloads if (w, a) in cells)
        gt, gr, gf = geomean([r for r, _ in tr]), geomean([r for r, _ in rr]), geomean(fr)
        wt = max(tr) if tr else None
        wr = max(rr) if rr else None
        lines.append("| %s | %s | %s | %s | %d | %s | %s | %d of %d |" % (
            a, "%.3f" % gt if gt else "-", "%.3f" % gr if gr else "-", "%.3f" % gf if gf else "-", len(tr),
            "%s %.2f" % (wt[1], wt[0]) if wt and a != base else "-",
            "%s %.2f" % (wr[1], wr[0]) if wr and a != base else "-", nfail, nrun))
    return "\n".join(lines)


def failures(records, logdir):
    out = []
    for r in records:
        if r.status != "ok":
            out.append("- %s / %s round %d: %s (log: %s)" % (
                r.w, r.a, r.rnd, r.status, os.path.join(logdir, log_name(r.w, r.a, r.rnd))))
    return out


def log_name(w, a, rnd):
    return "%s-%s-%s.log" % (w.replace("/", "_"), a, rnd)


CSV_HEAD = ["workload", "threads", "scale", "allocator", "round", "seconds", "peak_kib", "status",
            "minflt", "majflt", "user_s", "sys_s", "mirt_purges", "mirt_mmaps",
            "madvise", "munmap", "mmap"] + [k for k, _ in LATENCY_KEYS]


def write_csv(path, records, sysc=None):
    """Every run; then, for the strace pass (--syscalls), one row per workload
    and allocator with round "strace" and only the call counts filled in."""
    def opt(v, fmt="%d"):
        return "" if v is None else fmt % v
    with open(path, "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(CSV_HEAD)
        for r in records:
            wr.writerow([r.w, r.threads, r.scale, r.a, r.rnd, "%.4f" % r.secs, r.kib, r.status,
                         opt(r.minflt), opt(r.majflt), opt(r.user, "%.3f"), opt(r.sys, "%.3f"),
                         opt(r.stats.get("purges")), opt(r.stats.get("mmaps")), "", "", ""]
                        + [opt(r.extra.get(k), "%.3f") for k, _ in LATENCY_KEYS])
        for (w, a), sc in sorted((sysc or {}).items()):
            wr.writerow([w, "", "", a, "strace", "", "", "ok" if sc else "FAIL", "", "", "", "", "", ""]
                        + [opt(sc.get(k)) if sc else "" for k in ("madvise", "munmap", "mmap")]
                        + [""] * len(LATENCY_KEYS))


def chart(svg, workdir, cells, workloads, allocs, base, title):
    """Clustered bars (one group per workload, one bar per allocator) of the
    time and RSS ratios to the baseline, log scale; returns an error or None."""
    gp = shutil.which("gnuplot")
    if gp is None:
        return "gnuplot not found (apt-get install gnuplot-nox): no chart"
    os.makedirs(workdir, exist_ok=True)
    files = {}
    for what in ("time", "rss"):
        files[what] = os.path.join(workdir, "chart-%s.dat" % what)
        with open(files[what], "w") as f:
            f.write("workload " + " ".join(allocs) + "\n")
            for w in workloads:
                vals = []
                for a in allocs:
                    r = ratio(cells, w, a, base, what)
                    vals.append("%.4f" % min(max(r, 1 / 64.0), 64.0) if r is not None else "?")
                f.write(w + " " + " ".join(vals) + "\n")
    width = max(900, 60 * len(workloads) + 40 * len(allocs))
    # y range: powers of two around all ratios, at least 1/2 .. 2
    rs = [ratio(cells, w, a, base, what) for w in workloads for a in allocs for what in ("time", "rss")]
    rs = [r for r in rs if r is not None] or [1.0]
    lo = 2.0 ** min(-1, math.floor(math.log2(max(min(rs), 1 / 64.0))))
    hi = 2.0 ** max(1, math.ceil(math.log2(min(max(rs), 64.0))))
    tics = []
    e = int(math.log2(lo))
    while 2.0 ** e <= hi * 1.001:
        tics.append("'%s' %g" % (("1/%d" % 2 ** -e) if e < 0 else "%d" % 2 ** e, 2.0 ** e))
        e += 1
    script = os.path.join(workdir, "chart.gp")
    n = len(allocs)
    with open(script, "w") as f:
        f.write("""set terminal svg size {w},900 dynamic font 'sans,11' background rgb 'white'
set output '{svg}'
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border rgb 'black'
set boxwidth 0.9
set logscale y 2
set yrange [{lo}:{hi}]
set ytics ({tics})
set grid ytics
set xtics nomirror rotate by 35 right scale 0 font ',10'
set key outside top center horizontal
set multiplot layout 2,1 title "{title}"
set ylabel 'time / {base} (lower is better)'
plot for [i=2:{last}] '{tdat}' using i:xtic(1) title columnheader(i)
set ylabel 'peak RSS / {base} (lower is better)'
plot for [i=2:{last}] '{rdat}' using i:xtic(1) title columnheader(i)
unset multiplot
""".format(w=width, svg=svg, title=title.replace('"', "'"), base=base, last=n + 1,
           tdat=files["time"], rdat=files["rss"], lo=lo, hi=hi,
           tics=", ".join(tics)))
    r = subprocess.run([gp, script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        return "gnuplot failed: " + r.stdout.strip()
    return None
