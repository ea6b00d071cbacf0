# SPDX-License-Identifier: MIT
"""Shared by bench/run and bench/micro: paths, allocators, building the workloads, machine facts."""

import datetime
import hashlib
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
TOP_SRCDIR = os.path.dirname(BENCH_DIR)

LIBDIR = "/usr/lib/x86_64-linux-gnu"

# name -> (path, Debian package that provides it); "sys" preloads nothing.
PEERS = [
    ("sys", None, "libc6"),
    ("mi", LIBDIR + "/libmimalloc.so.2", "libmimalloc2.0"),
    ("je", LIBDIR + "/libjemalloc.so.2", "libjemalloc2"),
    ("tc", LIBDIR + "/libtcmalloc_minimal.so.4", "libtcmalloc-minimal4"),
]

# C workload programs: binary name -> source file (all in bench/).
PROGRAMS = {
    "larson": "larson.c",
    "cache": "cache.c",
    "xmalloc": "xmalloc.c",
    "mstress": "mstress.c",
    "stress": "stress.c",
    "rptest": "rptest.c",
    "alloc-test": "alloctest.c",
    "glibc-simple": "glibc-simple.c",
    "glibc-thread": "glibc-thread.c",
    "malloc-large": "malloc-large.c",
    "shbench": "shbench.c",
    "mleak": "mleak.c",
    "latency": "latency.c",
    "micro-loop": "micro-loop.c",
    "spawn": "spawn.c",
}


def note(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def default_builddir():
    """The top build directory: $top_builddir (set by make), else the source top."""
    return os.path.abspath(os.environ.get("top_builddir") or TOP_SRCDIR)


def allocators(builddir, extra, select=None):
    """Ordered list of (name, path-or-None) that exist; notices for the missing.

    extra: list of "NAME=PATH" strings from --alloc (a known name is replaced).
    select: optional list of names to keep (in the given order)."""
    found = []
    table = [(n, p) for n, p, _ in PEERS]
    table.append(("mirt", os.path.join(builddir, ".libs", "libmirt-malloc.so")))
    # the secure variant, built alongside the default library (not in a --enable-secure build)
    table.append(("mirt-secure", os.path.join(builddir, ".libs", "libmirt-malloc-secure.so")))
    for spec in extra or []:
        if "=" not in spec:
            raise SystemExit("bench: --alloc wants NAME=PATH.so, got '%s'" % spec)
        name, path = spec.split("=", 1)
        path = os.path.abspath(path)
        table = [(n, p) for n, p in table if n != name] + [(name, path)]
    pkgs = {n: pkg for n, _, pkg in PEERS}
    for name, path in table:
        if select is not None and name not in select:
            continue
        if path is not None and not os.path.isfile(path):
            how = ("apt-get install %s" % pkgs[name]) if name in pkgs else (
                "build it: ./quickstart or make" if name.startswith("mirt") else "check the path")
            note("allocator %s skipped: %s not found (%s)" % (name, path, how))
            continue
        found.append((name, path))
    if select is not None:
        order = {n: i for i, n in enumerate(select)}
        found.sort(key=lambda a: order.get(a[0], len(order)))
        for n in select:
            if n not in [a[0] for a in table]:
                note("allocator %s is unknown (known: %s)" % (n, ", ".join(a[0] for a in table)))
    return found


class Programs:
    """Finds the workload binaries in BUILDDIR/bench, compiling missing ones
    (cc -std=gnu11 -O2 -pthread, plain libc) into a temporary directory."""

    def __init__(self, builddir):
        self.builddir = builddir
        self.tmp = None
        self.paths = {}

    def path(self, prog):
        if prog in self.paths:
            return self.paths[prog]
        p = os.path.join(self.builddir, "bench", prog)
        if not (os.path.isfile(p) and os.access(p, os.X_OK)):
            p = self._compile(prog)
        self.paths[prog] = p
        return p

    def _compile(self, prog):
        if self.tmp is None:
            self.tmp = tempfile.mkdtemp(prefix="mirt-bench-bin-")
            note("workload binaries not built in %s/bench: compiling them into %s"
                 % (self.builddir, self.tmp))
        cc = os.environ.get("CC", "cc")
        out = os.path.join(self.tmp, prog)
        src = os.path.join(BENCH_DIR, PROGRAMS[prog])
        cmd = [cc, "-std=gnu11", "-O2", "-pthread", "-Wall", "-Wextra", "-o", out, src]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            raise SystemExit("bench: compiling %s failed:\n%s" % (src, r.stdout))
        return out

    def cleanup(self):
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def _cmd_out(cmd):
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=20)
        return r.stdout.strip() if r.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def pkg_version(pkg):
    return _cmd_out(["dpkg-query", "-W", "-f", "${Version}", pkg]) or "?"


def machine_facts():
    """A list of (label, value) describing the machine and software."""
    cpu = "?"
    m = re.search(r"^model name\s*:\s*(.*)$", _read("/proc/cpuinfo"), re.M)
    if m:
        cpu = m.group(1).strip()
    mem = re.search(r"^MemTotal:\s*(\d+)", _read("/proc/meminfo"), re.M)
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    facts = [
        ("date", datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")),
        ("host", socket.gethostname()),
        ("cpu", "%s, %d cores (%d usable)" % (cpu, os.cpu_count() or 0, usable)),
        ("memory", "%.1f GiB" % (int(mem.group(1)) / 1048576.0) if mem else "?"),
        ("kernel", platform.system() + " " + platform.release()),
        ("glibc", os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else "?"),
        ("load average at start", "%.2f %.2f %.2f" % os.getloadavg()),
    ]
    vers = ", ".join("%s %s" % (n, pkg_version(pkg)) for n, _, pkg in PEERS)
    facts.append(("peer packages", vers))
    git = _cmd_out(["git", "-C", TOP_SRCDIR, "rev-parse", "--short", "HEAD"])
    if git:
        facts.append(("mirt commit", git))
    return facts


def describe_alloc(name, path):
    """'name = path (sha256 prefix, mtime)' so a report says which build it measured."""
    if not path:
        return "%s = glibc (no preload)" % name
    try:
        with open(path, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()[:12]
        when = datetime.datetime.fromtimestamp(os.path.getmtime(path)).strftime("%Y-%m-%d %H:%M")
        return "%s = %s (sha256 %s, %s)" % (name, path, digest, when)
    except OSError:
        return "%s = %s" % (name, path)


def clean_env():
    """The environment for workloads: ours without LD_PRELOAD (spawn sets it)."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    return env


def spawn_argv(programs, resfile, timeout, preload, argv):
    """The command line that runs argv through bench/spawn."""
    return [programs.path("spawn"), resfile, "%g" % timeout, preload or "-"] + list(argv)


class Run:
    """One run of a program through bench/spawn: time, peak RSS, faults, status, output.

    seconds: elapsed wall time (a fixed-time workload replaces it by its rtime);
    peak_kib: peak RSS; minflt, majflt: page faults; user, sys: CPU seconds
    (all from wait4, of the program and the descendants it waited for);
    status: "ok" or "FAIL:<why>"; out: stdout and stderr together;
    stats: the allocator's own counters where it reports them (mirt:
    {"mmaps": n, "purges": n}, see mirt_stats); extra: key=value fields of
    the workload's RESULT line that are numbers (latency percentiles)."""

    def __init__(self, seconds=0.0, peak_kib=0, status="FAIL:?", out="", minflt=None, majflt=None,
                 user=None, sys=None):
        self.seconds, self.peak_kib, self.status, self.out = seconds, peak_kib, status, out
        self.minflt, self.majflt, self.user, self.sys = minflt, majflt, user, sys
        self.stats = {}
        self.extra = {}


def _num(fields, key, conv):
    try:
        return conv(fields[key])
    except (KeyError, ValueError):
        return None


def spawn_result(resfile, rc):
    """A Run (without output) from the line bench/spawn wrote."""
    try:
        with open(resfile) as f:
            fields = dict(kv.split("=", 1) for kv in f.read().split())
    except (OSError, ValueError):
        return Run(status="FAIL:spawn%d" % rc)
    st = fields.get("status", "?")
    if st == "exit:0":
        status = "ok"
    elif st == "timeout":
        status = "FAIL:timeout"
    elif st.startswith("signal:"):
        try:
            status = "FAIL:" + signal.Signals(int(st[7:])).name
        except ValueError:
            status = "FAIL:" + st
    else:
        status = "FAIL:exit" + st.split(":")[-1]
    return Run(_num(fields, "elapsed", float) or 0.0, _num(fields, "maxrss_kib", int) or 0, status,
               minflt=_num(fields, "minflt", int), majflt=_num(fields, "majflt", int),
               user=_num(fields, "user", float), sys=_num(fields, "sys", float))


def is_mirt(preload):
    """Whether the preloaded library is a mirt build (it prints its statistics in its own format)."""
    return bool(preload) and os.path.basename(preload).startswith("libmirt")


_STAT_LINE = re.compile(r"^\s*(mmaps|purges)\s+(\d+)\s*$", re.M)


def mirt_stats(text):
    """mirt's OS call counters from the statistics MIMALLOC_SHOW_STATS=1 prints at exit.

    After the header line "mirt: process statistics" each non-zero counter
    has a line "<name> <count>": "mmaps" counts the segment mappings and
    "purges" the purge calls (one madvise each: memory handed back to the
    OS). Returns {} when there is no such block (not mirt, or it crashed)."""
    k = text.rfind("mirt: process statistics")
    if k < 0:
        return {}
    found = {"mmaps": 0, "purges": 0}      # a counter that stayed 0 is not printed
    for m in _STAT_LINE.finditer(text, k):
        found[m.group(1)] = int(m.group(2))
    return found


def measure(programs, argv, preload, timeout, stdin_path=None, env=None, stats=False):
    """Run argv (with LD_PRELOAD=preload unless None) through bench/spawn;
    return a Run. Its status is "ok" or "FAIL:<why>" for a timeout, a signal
    or a non-zero exit. With stats=True and a mirt preload the run gets
    MIMALLOC_SHOW_STATS=1 and Run.stats its counters (only for programs whose
    output is not compared verbatim: the statistics go to stderr)."""
    env = dict(env or clean_env())
    want_stats = stats and is_mirt(preload)
    if want_stats:
        env["MIMALLOC_SHOW_STATS"] = "1"
    with tempfile.TemporaryDirectory(prefix="mirt-run-") as d:
        resfile = os.path.join(d, "rusage")
        with tempfile.TemporaryFile() as out:
            fin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
            try:
                p = subprocess.run(spawn_argv(programs, resfile, timeout, preload, argv),
                                   env=env, stdin=fin, stdout=out,
                                   stderr=subprocess.STDOUT, timeout=timeout + 60)
                rc = p.returncode
            except subprocess.TimeoutExpired:
                rc = -1
            finally:
                if stdin_path:
                    fin.close()
            out.seek(0)
            text = out.read().decode("utf-8", "replace")
        run = spawn_result(resfile, rc)
    run.out = text
    if want_stats:
        run.stats = mirt_stats(text)
    return run


SYSCALLS = ("madvise", "munmap", "mmap")


def count_syscalls(programs, argv, preload, timeout):
    """{"madvise": n, "munmap": n, "mmap": n}: the calls argv makes (all its
    threads), counted by `strace -f -c` in a run of its own (tracing slows a
    program down, so the run is not timed); None without strace or when the
    run fails. strace itself runs without the preload (-E gives it to the
    program only)."""
    strace = shutil.which("strace")
    if strace is None:
        return None
    with tempfile.TemporaryDirectory(prefix="mirt-strace-") as d:
        log = os.path.join(d, "strace")
        cmd = [strace, "-f", "-c", "-o", log, "-e", "trace=" + ",".join(SYSCALLS)]
        if preload:
            cmd += ["-E", "LD_PRELOAD=" + preload]
        run = measure(programs, cmd + list(argv), None, timeout)
        if run.status != "ok":
            return None
        counts = dict.fromkeys(SYSCALLS, 0)
        for line in _read(log).splitlines():
            f = line.split()
            # "% time  seconds  usecs/call  calls  [errors]  syscall"
            if len(f) >= 5 and f[-1] in counts and f[3].isdigit():
                counts[f[-1]] = int(f[3])
        return counts


def result_line(text):
    """The workload's 'RESULT ...' line (last one), or None."""
    lines = [l for l in text.splitlines() if l.startswith("RESULT ")]
    return lines[-1] if lines else None
