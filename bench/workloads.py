# SPDX-License-Identifier: MIT
"""The workloads of bench/run: synthetic C programs and real programs (python3, redis, sqlite3, gcc)."""

import os
import shutil
import socket
import subprocess
import time

from benchcommon import BENCH_DIR, clean_env, count_syscalls, measure, result_line, spawn_argv, spawn_result

class Workload:
    """One benchmark. run() returns a benchcommon.Run."""
    name = "?"
    threaded = False      # runs with --threads threads
    nthreads = 1          # otherwise: how many threads it runs
    synthetic = True
    what = ""

    def available(self):
        """None when it can run here, else the reason it is skipped."""
        return None

    def prepare(self, scale, tmpdir, threads, programs):
        self.scale, self.tmpdir, self.threads, self.programs = scale, tmpdir, threads, programs

    def command(self):
        return ""

    def run(self, alloc_path, timeout):
        raise NotImplementedError

    def syscalls(self, alloc_path, timeout):
        """{"madvise": n, "munmap": n, "mmap": n} counted by strace in an extra
        (untimed) run, or None where that is not done (the real programs)."""
        return None


class Synthetic(Workload):
    """A C workload from bench/*.c; args per scale, '{T}' = thread count.
    Passes when it exits 0 and prints 'RESULT ok'; 'rtime=' replaces the wall time;
    the RESULT line's numeric key=value fields go to Run.extra."""

    def __init__(self, name, prog, full, quick, tiny, what, threaded=False, nthreads=1, reports=()):
        self.name, self.prog, self.what, self.threaded = name, prog, what, threaded
        self.reports = reports        # RESULT fields it must print (checked by --check)
        self.nthreads = nthreads      # threads of a workload that does not take --threads
        self.args = {"full": full, "quick": quick, "tiny": tiny}

    def argv(self):
        args = [a.replace("{T}", str(self.threads)) for a in self.args[self.scale].split()]
        return [self.programs.path(self.prog)] + args

    def command(self):
        return " ".join([self.prog] + self.argv()[1:])

    def run(self, alloc_path, timeout):
        run = measure(self.programs, self.argv(), alloc_path, timeout, stats=True)
        line = result_line(run.out)
        if run.status == "ok":
            if line is None or not line.startswith("RESULT ok"):
                run.status = "FAIL:wrong"
            else:
                for field in line.split():
                    key, eq, val = field.partition("=")
                    if not eq:
                        continue
                    try:
                        run.extra[key] = float(val)
                    except ValueError:
                        pass
                if "rtime" in run.extra:
                    run.seconds = run.extra["rtime"]
        elif line is not None and line.startswith("RESULT FAIL"):
            run.status = "FAIL:wrong"
        return run

    def syscalls(self, alloc_path, timeout):
        return count_syscalls(self.programs, self.argv(), alloc_path, timeout)


def synthetic_workloads():
    S = Synthetic
    return [
        S("larsonN", "larson", "2 8 1000 5000 100 4141 {T}", "0.2 8 1000 5000 100 4141 {T}",
          "0.05 8 1000 500 10 4141 {T}",
          "server simulation: threads free the previous generation's blocks; rtime = s per 1e8 ops", True),
        S("cscratch1", "cache", "scratch 1 1000 8 1000000", "scratch 1 1000 8 100000",
          "scratch 1 50 8 1000", "passive false sharing, 1 thread"),
        S("cscratchN", "cache", "scratch {T} 1000 8 1000000", "scratch {T} 1000 8 100000",
          "scratch {T} 50 8 1000", "passive false sharing", True),
        S("cthrash1", "cache", "thrash 1 1000 8 1000000", "thrash 1 1000 8 100000",
          "thrash 1 50 8 1000", "active false sharing, 1 thread"),
        S("cthrashN", "cache", "thrash {T} 1000 8 1000000", "thrash {T} 1000 8 100000",
          "thrash {T} 50 8 1000", "active false sharing", True),
        S("xmallocN", "xmalloc", "{T} 20000000 64", "{T} 3000000 64", "{T} 20000 64",
          "producer/consumer: half the threads allocate, half free", True),
        S("mstressN", "mstress", "{T} 100 120", "{T} 50 30", "{T} 5 4",
          "power-of-two sizes, migration, survivors, threads re-created per phase", True),
        S("rptestN", "rptest", "{T} 3000 1000 8 16000", "{T} 300 1000 8 16000", "{T} 20 100 8 16000",
          "random sizes 8..16000, a quarter of blocks freed by the next thread", True),
        S("alloc-test1", "alloc-test", "1 60 8192", "1 10 8192", "1 0.05 512",
          "Pareto size mix <= 1 KiB, random slot replacement, 1 thread"),
        S("alloc-testN", "alloc-test", "{T} 25 8192", "{T} 3 8192", "{T} 0.05 512",
          "Pareto size mix <= 1 KiB, random slot replacement", True),
        S("glibc-simple", "glibc-simple", "5000000", "800000", "20000",
          "tight malloc/free loops, sizes 16..512, batches 1..1600"),
        S("glibc-threadN", "glibc-thread", "{T} 2", "{T} 0.2", "{T} 0.05",
          "fixed-time random replace, sizes <= 32 KiB; rtime = s per 1e8 iterations", True),
        S("malloc-large", "malloc-large", "1000 20", "10 20", "3 4",
          "5-25 MiB buffers, 20 live, every page touched"),
        S("sh6benchN", "shbench", "{T} 800 10000 0", "{T} 40 10000 0", "{T} 3 1000 0",
          "batches of 1..1000 B freed LIFO and FIFO", True),
        S("sh8benchN", "shbench", "{T} 300 10000 1", "{T} 20 10000 1", "{T} 3 1000 1",
          "as sh6 with a quarter of the blocks freed by another thread", True),
        S("mleakN", "mleak", "150 {T} 20000", "10 {T} 20000", "3 {T} 500",
          "threads exit with live blocks that main frees later", True),
        S("test-stressN", "stress", "{T} 400 250", "{T} 100 60", "{T} 10 4",
          "mimalloc test-stress style: alloc/realloc/transfer, half survive", True),
        S("latency", "latency", "100000 150000", "10000 30000", "2000 20000 64 128",
          "every malloc timed: random replacement in 100k slots, 16..1024 B and every 64th 64 KiB..1 MiB, "
          "a quarter freed by a second thread; p50/p99/p99.99/max", nthreads=2,
          reports=("p50_us", "p99_us", "p999_us", "p9999_us", "max_us", "timed")),
    ]


# ---------------------------------------------------------------------------
# Real programs (Debian packages) under LD_PRELOAD.

class Python(Workload):
    name, synthetic = "python", False
    what = "python3 builds and drops big dicts, lists and strings (bench/churn.py)"
    exe = "/usr/bin/python3"
    sizes = {"full": "5 300000", "quick": "1 150000", "tiny": "1 1000"}

    def available(self):
        return None if os.access(self.exe, os.X_OK) else "%s not found (apt-get install python3)" % self.exe

    def argv(self):
        return [self.exe, "-I", os.path.join(BENCH_DIR, "churn.py")] + self.sizes[self.scale].split()

    def command(self):
        return "python3 -I churn.py " + self.sizes[self.scale]

    def run(self, alloc_path, timeout):
        env = clean_env()
        env["PYTHONHASHSEED"] = "0"
        run = measure(self.programs, self.argv(), alloc_path, timeout, env=env, stats=True)
        line = result_line(run.out)
        if run.status == "ok" and (line is None or not line.startswith("RESULT ok")):
            run.status = "FAIL:wrong"
        return run


class Sqlite(Workload):
    name, synthetic = "sqlite", False
    what = "sqlite3 in memory: insert rows, index two columns, query"
    rows = {"full": 1000000, "quick": 150000, "tiny": 2000}

    def available(self):
        return None if shutil.which("sqlite3") else "sqlite3 not found (apt-get install sqlite3)"

    def prepare(self, scale, tmpdir, threads, programs):
        super().prepare(scale, tmpdir, threads, programs)
        n = self.rows[scale]
        self.script = os.path.join(tmpdir, "sqlite-%d.sql" % n)
        with open(self.script, "w") as f:
            f.write("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, s TEXT);\n"
                    "BEGIN;\n"
                    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<%d)\n"
                    "INSERT INTO t(k, s) SELECT (x*7919) %% 1000003, printf('row-%%d-%%x', x, x*x) FROM c;\n"
                    "COMMIT;\n"
                    "CREATE INDEX t_k ON t(k);\n"
                    "CREATE INDEX t_s ON t(s);\n"
                    "SELECT count(*), sum(k), sum(length(s)) FROM t;\n"
                    "SELECT count(*) FROM t WHERE k BETWEEN 1000 AND 500000;\n"
                    "SELECT count(*) FROM t WHERE s >= 'row-5';\n"
                    "DELETE FROM t WHERE k %% 3 = 0;\n"
                    "SELECT count(*) FROM t;\n" % n)
        ks = [(x * 7919) % 1000003 for x in range(1, n + 1)]
        ss = ["row-%d-%x" % (x, x * x) for x in range(1, n + 1)]
        self.expect = "%d|%d|%d\n%d\n%d\n%d\n" % (
            n, sum(ks), sum(len(s) for s in ss), sum(1 for k in ks if 1000 <= k <= 500000),
            sum(1 for s in ss if s >= "row-5"), sum(1 for k in ks if k % 3 != 0))

    def command(self):
        return "sqlite3 -bail :memory: < (%d rows)" % self.rows[self.scale]

    def run(self, alloc_path, timeout):
        run = measure(self.programs, ["sqlite3", "-bail", ":memory:"], alloc_path,
                      timeout, stdin_path=self.script)
        if run.status == "ok" and run.out != self.expect:
            run.status = "FAIL:wrong"
            run.out += "\nexpected:\n" + self.expect
        return run


def _gen_c(nfuncs):
    """A large C file of nfuncs integer functions plus the value its program prints."""
    M = 0xFFFFFFFF
    src = ["/* generated by bench/workloads.py for the gcc workload */", "#include <stdio.h>", ""]
    params = []
    for i in range(nfuncs):
        mul = (2654435761 * (i + 1)) & M | 1
        key = (40503 * (i + 7)) & 0xFFFF
        rounds = 4 + i % 13
        sh, st = 1 + i % 7, 1 + (i * 3) % 5
        params.append((mul, key, rounds, sh, st))
        src.append("unsigned f%d(unsigned x);\n"
                   "unsigned f%d(unsigned x)\n{\n"
                   "  unsigned a = x * %du + %du, b = x ^ %du;\n"
                   "  for (int j = 0; j < %d; j++) {\n"
                   "    switch ((a + (unsigned)j) %% 4u) {\n"
                   "    case 0: a = a * 31u + b; break;\n"
                   "    case 1: b ^= a >> %d; break;\n"
                   "    case 2: a += b << %d; break;\n"
                   "    default: b = b * 17u + (unsigned)j; break;\n"
                   "    }\n  }\n  return a ^ b;\n}\n" % (i, i, mul, i, key, rounds, sh, st))
    src.append("int main(int argc, char **argv)\n{\n  unsigned acc = (unsigned)argc;\n  (void)argv;")
    for i in range(nfuncs):
        src.append("  acc += f%d(acc ^ %du);" % (i, i))
    src.append('  printf("%u\\n", acc);\n  return 0;\n}\n')
    acc = 1
    for i, (mul, key, rounds, sh, st) in enumerate(params):
        x = acc ^ i
        a, b = (x * mul + i) & M, x ^ key
        for j in range(rounds):
            c = (a + j) % 4
            if c == 0:
                a = (a * 31 + b) & M
            elif c == 1:
                b ^= a >> sh
            elif c == 2:
                a = (a + (b << st)) & M
            else:
                b = (b * 17 + j) & M
        acc = (acc + (a ^ b)) & M
    return "\n".join(src), "%d\n" % acc


class Gcc(Workload):
    name, synthetic = "gcc", False
    what = "gcc -O2 compiling and linking a generated C file"
    funcs = {"full": 800, "quick": 40, "tiny": 10}

    def available(self):
        return None if shutil.which("gcc") else "gcc not found (apt-get install gcc)"

    def prepare(self, scale, tmpdir, threads, programs):
        super().prepare(scale, tmpdir, threads, programs)
        self.src = os.path.join(tmpdir, "big%d.c" % self.funcs[scale])
        text, self.expect = _gen_c(self.funcs[scale])
        with open(self.src, "w") as f:
            f.write(text)
        self.exe = self.src[:-2]

    def command(self):
        return "gcc -O2 -o big big.c (%d functions)" % self.funcs[self.scale]

    def run(self, alloc_path, timeout):
        if os.path.exists(self.exe):
            os.unlink(self.exe)
        run = measure(self.programs, ["gcc", "-O2", "-o", self.exe, self.src], alloc_path, timeout)
        if run.status == "ok":
            r = subprocess.run([self.exe], stdout=subprocess.PIPE, text=True, env=clean_env())
            if r.returncode != 0 or r.stdout != self.expect:
                run.status = "FAIL:wrong"
                run.out += "\nprogram printed %r, expected %r\n" % (r.stdout, self.expect)
        return run


def _resp(sock, *args):
    """Send one command in the Redis protocol and read a simple reply."""
    msg = "*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(str(a)), a) for a in args)
    sock.sendall(msg.encode())
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace").strip()


class Redis(Workload):
    name, synthetic = "redis", False
    what = "redis-server (preloaded) driven by redis-benchmark on loopback: lpush + lrange_100, -P 16"
    requests = {"full": 400000, "quick": 30000, "tiny": 2000}

    def available(self):
        for exe in ("redis-server", "redis-benchmark"):
            if not shutil.which(exe):
                return "%s not found (apt-get install redis-server redis-tools)" % exe
        return None

    def command(self):
        return ("redis-benchmark -q -P 16 -n %d -t lpush,lrange_100 (time of the client run; RSS of the server)"
                % self.requests[self.scale])

    def _connect(self, port, deadline):
        while time.monotonic() < deadline:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                if _resp(s, "PING") == "+PONG":
                    return s
                s.close()
            except OSError:
                pass
            time.sleep(0.02)
        return None

    def run(self, alloc_path, timeout):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        n = self.requests[self.scale]
        resfile = os.path.join(self.tmpdir, "redis-rusage")
        server_cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                      "--appendonly", "no", "--protected-mode", "no", "--dir", self.tmpdir,
                      "--loglevel", "warning", "--daemonize", "no"]
        # The server runs under bench/spawn, which reports its peak RSS when it exits.
        server = subprocess.Popen(spawn_argv(self.programs, resfile, timeout + 30, alloc_path, server_cmd),
                                  env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, status, secs = "", "ok", 0.0
        try:
            conn = self._connect(port, time.monotonic() + 10)
            if conn is None:
                status = "FAIL:start"
            else:
                with conn:
                    _resp(conn, "DEL", "mylist")
                    client = measure(
                        self.programs,
                        ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-q", "-P", "16",
                         "-n", str(n), "-t", "lpush,lrange_100"], None, timeout)
                    secs, status, out = client.seconds, client.status, client.out
                    llen = _resp(conn, "LLEN", "mylist")
                    # n LPUSHes, and redis-benchmark >= 6 pushes n more to prepare LRANGE
                    if status == "ok" and (llen not in (":%d" % n, ":%d" % (2 * n)) or "LRANGE" not in out):
                        status = "FAIL:wrong"
                        out += "\nLLEN mylist = %s, expected :%d or :%d\n" % (llen, n, 2 * n)
                    try:
                        _resp(conn, "SHUTDOWN", "NOSAVE")
                    except OSError:
                        pass
        finally:
            try:
                server_out, _ = server.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()           # kills spawn; its timer kills the server
                server_out, _ = server.communicate()
                status = "FAIL:hang" if status == "ok" else status
        run = spawn_result(resfile, server.returncode)
        if status == "ok" and run.status != "ok":
            status = run.status.replace("FAIL:", "FAIL:server-")
        text = server_out.decode("utf-8", "replace")
        # time of the client; peak RSS and faults of the server
        run.seconds, run.status = secs, status
        run.out = out + ("\n[redis-server]\n" + text if text else "")
        return run


def real_workloads():
    return [Python(), Redis(), Sqlite(), Gcc()]


# ---------------------------------------------------------------------------
# The sweep (bench/run --sweep): every multi-threaded workload at several
# thread counts and at two scales, so that a policy tuned to one point
# cannot look good.
#   short: short phases, threads started and joined many times (memory of
#          exited threads, empty pages and purged memory come back at once);
#   long:  few long phases with more work and larger live sets per phase.
# The total work of a phase is split over the threads (16 threads do the
# work 1 thread does, in 16 parts), so a point's time shows the cost of the
# thread count, not more work; fixed-time workloads (larson, glibc-thread)
# report throughput. `mult` scales the amount of work (1 full, 0.2 --quick).

def _per(total, threads):
    return max(1, int(round(total / float(threads))))


def _n(x):
    return max(1, int(round(x)))


class SweepItem(Synthetic):
    """One point of the sweep: a workload at a thread count and a scale."""

    def __init__(self, base, prog, label, threads, args, tiny, what):
        Synthetic.__init__(self, "%s/%s/t%d" % (base, label, threads), prog, args, args, tiny, what, True)
        self.base, self.scale_label, self.fixed_threads = base, label, threads

    def display(self):
        return "%s/%s" % (self.base, self.scale_label)

    def prepare(self, scale, tmpdir, threads, programs):
        super().prepare(scale, tmpdir, self.fixed_threads, programs)


# name, program, what, args(T, scale, mult), tiny args(T, scale)
SWEEP = [
    ("mstress", "mstress",
     "mimalloc-bench mstress shape: each phase starts T threads that allocate and free a lot "
     "(power-of-two sizes, large live set), a quarter survives the phase",
     lambda T, s, m: "%d %d %d %d" % (T, _per(40, T), _n(200 * m), _per(8000, T)) if s == "short"
     else "%d %d %d %d" % (T, _per(400, T), _n(20 * m), _per(16000, T)),
     lambda T, s: "%d 2 %d 300" % (T, 6 if s == "short" else 2)),
    ("test-stress", "stress",
     "mimalloc test-stress shape: threads re-created every round, alloc/realloc/transfer, half survive",
     lambda T, s, m: "%d %d %d %d" % (T, _per(200, T), _n(200 * m), _per(4000, T)) if s == "short"
     else "%d %d %d %d" % (T, _per(2000, T), _n(20 * m), _per(8000, T)),
     lambda T, s: "%d 4 %d 200" % (T, 6 if s == "short" else 2)),
    ("malloc-large", "malloc-large",
     "5-25 MiB buffers split over T threads, every page touched; short: threads re-created in 8 phases",
     lambda T, s, m: "%d %d %d %d" % (_n(24 * m), max(8, T), T, 8 if s == "short" else 1),
     lambda T, s: "3 %d %d %d" % (T, T, 3 if s == "short" else 1)),
    ("larson", "larson",
     "server simulation, threads hand their blocks to a successor; short: a new thread every 2500 ops; rtime",
     lambda T, s, m: ("%.2f 8 1000 500 5 4141 %d" if s == "short" else "%.2f 8 1000 5000 100 4141 %d")
     % (max(0.1, 1.0 * m), T),
     lambda T, s: "0.05 8 1000 100 %d 4141 %d" % (2 if s == "short" else 10, T)),
    ("mleak", "mleak",
     "threads exit with live blocks that main frees later",
     lambda T, s, m: "%d %d %d" % (_n(100 * m), T, _per(20000, T)) if s == "short"
     else "%d %d %d" % (_n(10 * m), T, _per(200000, T)),
     lambda T, s: "%d %d 300" % (4 if s == "short" else 2, T)),
    ("xmalloc", "xmalloc",
     "producer/consumer through a bounded queue, every free remote",
     lambda T, s, m: "%d %d 64" % (max(2, T), _n((6000000 if s == "short" else 20000000) * m)),
     lambda T, s: "%d 5000 64" % max(2, T)),
    ("rptest", "rptest",
     "random sizes 8..16000, a quarter freed by the next thread",
     lambda T, s, m: "%d %d 100 8 16000" % (T, _per(6000 * m, T)) if s == "short"
     else "%d %d 1000 8 16000" % (T, _per(600 * m, T)),
     lambda T, s: "%d 5 %d 8 16000" % (T, 20 if s == "short" else 100)),
    ("alloc-test", "alloc-test",
     "Pareto sizes <= 1 KiB, random slot replacement; short: 512 slots, long: 8192",
     lambda T, s, m: "%d %.3f %d" % (T, 10.0 * m / T, 512) if s == "short"
     else "%d %.3f %d" % (T, 16.0 * m / T, 8192),
     lambda T, s: "%d 0.01 %d" % (T, 64 if s == "short" else 512)),
    ("glibc-thread", "glibc-thread",
     "fixed-time random replacement, sizes <= 32 KiB; rtime",
     lambda T, s, m: "%d %.2f %d" % (T, max(0.1, (0.5 if s == "short" else 1.5) * m), 100 if s == "short" else 4000),
     lambda T, s: "%d 0.03 100" % T),
    ("sh6bench", "shbench",
     "batches of 1..1000 B freed LIFO and FIFO",
     lambda T, s, m: "%d %d 1000 0" % (T, _per(2000 * m, T)) if s == "short"
     else "%d %d 10000 0" % (T, _per(150 * m, T)),
     lambda T, s: "%d 2 300 0" % T),
    ("sh8bench", "shbench",
     "as sh6bench with a quarter of the blocks freed by another thread",
     lambda T, s, m: "%d %d 1000 1" % (T, _per(600 * m, T)) if s == "short"
     else "%d %d 10000 1" % (T, _per(60 * m, T)),
     lambda T, s: "%d 2 300 1" % T),
    ("cscratch", "cache",
     "passive false sharing; short: many objects, few writes each",
     lambda T, s, m: "scratch %d %d 8 %d" % (T, _n(1000 * m), 50000) if s == "short"
     else "scratch %d %d 8 %d" % (T, _n(100 * m), 500000),
     lambda T, s: "scratch %d 20 8 500" % T),
    ("cthrash", "cache",
     "active false sharing; short: many objects, few writes each",
     lambda T, s, m: "thrash %d %d 8 %d" % (T, _n(1000 * m), 50000) if s == "short"
     else "thrash %d %d 8 %d" % (T, _n(100 * m), 500000),
     lambda T, s: "thrash %d 20 8 500" % T),
]

SWEEP_THREADS = (1, 2, 4, 8, 16)
SWEEP_SCALES = ("short", "long")


def sweep_workloads(threads=SWEEP_THREADS, mult=1.0, tiny=False):
    """The sweep's points in run order: each thread count, each workload, each scale;
    then the latency workload (two threads of its own) once."""
    items = []
    for t in threads:
        for base, prog, what, args, tiny_args in SWEEP:
            for s in SWEEP_SCALES:
                a = tiny_args(t, s) if tiny else args(t, s, mult)
                items.append(SweepItem(base, prog, s, t, a, tiny_args(t, s), what))
    # --quick: a quarter of the working set (the first fill touches about 830 MiB at full size)
    lat_args = "100000 150000" if mult >= 1 else "25000 %d" % _n(150000 * mult)
    lat = Synthetic("latency", "latency", lat_args, lat_args,
                    "2000 20000 64 128", "every malloc timed (see bench/latency.c)", nthreads=2,
                    reports=("p50_us", "p99_us", "p999_us", "p9999_us", "max_us", "timed"))
    return items + [lat]
