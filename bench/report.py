# SPDX-License-Identifier: MIT
"""Report writing for bench/run: medians, ratios, geometric means, Markdown, CSV and the gnuplot chart."""

import csv
import math
import os
import shutil
import statistics
import subprocess


class Cell:
    """All runs of one workload under one allocator."""

    def __init__(self):
        self.runs = []        # (round, seconds, peak_kib, status)

    def ok(self):
        return [r for r in self.runs if r[3] == "ok"]

    def failed(self):
        return [r for r in self.runs if r[3] != "ok"]

    def time(self):
        ok = self.ok()
        return statistics.median(r[1] for r in ok) if ok else None

    def rss_mib(self):
        ok = self.ok()
        return statistics.median(r[2] for r in ok) / 1024.0 if ok else None


def cells_of(records):
    cells = {}
    for w, a, rnd, secs, kib, status in records:
        cells.setdefault((w, a), Cell()).runs.append((rnd, secs, kib, status))
    return cells


def ratio(cells, w, a, base, what):
    ca, cb = cells.get((w, a)), cells.get((w, base))
    if ca is None or cb is None:
        return None
    va, vb = (ca.time(), cb.time()) if what == "time" else (ca.rss_mib(), cb.rss_mib())
    if va is None or vb is None or vb <= 0 or va <= 0:
        return None
    return va / vb


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def _fmt_val(cell, what):
    if cell is None:
        return "-"
    v = cell.time() if what == "time" else cell.rss_mib()
    if v is None:
        return "FAIL"
    mark = "!" if cell.failed() else ""
    return ("%.3f" if what == "time" else "%.1f") % v + mark


def _fmt_ratio(cells, w, a, base, what):
    r = ratio(cells, w, a, base, what)
    if r is not None:
        return "%.2f" % r
    c = cells.get((w, a))
    return "FAIL" if c is not None and c.time() is None else "-"


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
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    out = []
    for k, r in enumerate(rows):
        cols = [r[0].ljust(widths[0])] + [c.rjust(widths[i]) for i, c in enumerate(r) if i > 0]
        out.append("| " + " | ".join(cols) + " |")
        if k == 0:
            out.append("|" + "|".join("-" * (widths[0] + 2) if i == 0 else "-" * (widths[i] + 1) + ":"
                                      for i in range(len(head))) + "|")
    return "\n".join(out)


def summary(cells, workloads, allocs, base):
    """Per allocator: geometric means of the ratios, worst workloads, failed runs."""
    lines = ["| allocator | time geomean vs %s | RSS geomean vs %s | n | worst time | worst RSS | failed runs |"
             % (base, base), "|---|---:|---:|---:|---|---|---:|"]
    for a in allocs:
        tr = [(ratio(cells, w, a, base, "time"), w) for w in workloads]
        rr = [(ratio(cells, w, a, base, "rss"), w) for w in workloads]
        tr = [(r, w) for r, w in tr if r is not None]
        rr = [(r, w) for r, w in rr if r is not None]
        nfail = sum(len(cells[(w, a)].failed()) for w in workloads if (w, a) in cells)
        nrun = sum(len(cells[(w, a)].runs) for w in workloads if (w, a) in cells)
        gt, gr = geomean([r for r, _ in tr]), geomean([r for r, _ in rr])
        wt = max(tr) if tr else None
        wr = max(rr) if rr else None
        lines.append("| %s | %s | %s | %d | %s | %s | %d of %d |" % (
            a, "%.3f" % gt if gt else "-", "%.3f" % gr if gr else "-", len(tr),
            "%s %.2f" % (wt[1], wt[0]) if wt and a != base else "-",
            "%s %.2f" % (wr[1], wr[0]) if wr and a != base else "-", nfail, nrun))
    return "\n".join(lines)


def failures(records, logdir):
    out = []
    for w, a, rnd, secs, kib, status in records:
        if status != "ok":
            out.append("- %s / %s round %d: %s (log: %s)" % (
                w, a, rnd, status, os.path.join(logdir, "%s-%s-%d.log" % (w, a, rnd))))
    return out


def write_csv(path, records):
    with open(path, "w", newline="") as f:
        wr = csv.writer(f)
        wr.writerow(["workload", "allocator", "round", "seconds", "peak_kib", "status"])
        for w, a, rnd, secs, kib, status in records:
            wr.writerow([w, a, rnd, "%.4f" % secs, kib, status])


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
