"""The grader's sandbox: run one submission where it sees nothing but itself and can harm nothing.

Built by bubblewrap (``bwrap``, Debian/Ubuntu package ``bubblewrap``, Flatpak's sandbox), not by
hand: the submission runs in its own user, PID, network (only a loopback of its own), mount, IPC,
UTS and cgroup namespaces (``--unshare-all``), in a new session, and dies with the grader
(``--die-with-parent``). Its root is read-only and holds only the system (``/usr``, ``/etc``), the
Python installation, the grading copy of ganlib and what the grader binds; its one writable place
is a size-capped tmpfs (``/grading``: its folder, home, ``/tmp`` and ``/dev/shm``).

Two rings, one ``bwrap`` inside the other:

- the outer ring's PID 1 is the *collector* (this file run as a script, stdlib only): it copies the
  notebook in, starts the inner ring, enforces the wall-time limit, then kills what is left and
  sends back the files the grader asked for (regular files only, each capped). As PID 1 of its
  namespace it takes no signal it has no handler for; the inner ring's own user namespace keeps the
  submission from ptracing it;
- the inner ring runs the submission as uid 1000 in a nested user namespace that may create no
  further one (``--disable-userns``), with the whole root read-only but ``/grading``.

Limits: rlimits on every process (memory per process, processes, CPU seconds, file size, no core
dumps), a cgroup where one is writable (memory and processes of the whole submission: its events
are the grader's own evidence), the tmpfs size (disk), and wall time (the collector, and the grader
behind it). When the grader runs as root, bwrap runs as a uid no one else has
(:data:`SANDBOX_UID`) wherever that uid can reach every bound folder; else
(a Python under ``/root``) the child is root outside its namespaces, without capabilities: what only
root may read in ``/etc`` is masked, and the kernel then ignores the process rlimit
(the cgroup still counts).
"""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import time

CHILD_UID = 1000             # the submission's uid inside its namespaces
SANDBOX_UID = 1_900_000_000  # who runs bwrap when root grades (and may): used by nothing else
GRADING = "/grading"         # the one writable place in the child (a tmpfs)
STAGE = "/stage"             # the grader's staged files, read-only in the outer ring
INSTALL = "apt-get install bubblewrap"


class SandboxError(Exception):
    """The sandbox could not be built (no bwrap, a refused namespace) or did not answer."""


def _read_result_file(path: str, cap: int) -> tuple[bytes | None, str]:
    """A regular file's bytes (at most ``cap``), never following links nor opening FIFOs or
    devices."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        return None, "missing" if e.errno == errno.ENOENT else f"unreadable ({e.strerror})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, "not a regular file"
        if st.st_size > cap:
            return None, f"too large ({st.st_size} bytes, cap {cap})"
        data = b""
        while len(data) <= cap:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            data += chunk
        return (data, "") if len(data) <= cap else (None, f"too large (cap {cap})")
    finally:
        os.close(fd)


def _set_limits(lim: dict, nproc: bool) -> None:
    """rlimits for this process and all it starts (called before exec). The process count only
    inside the sandbox's own user namespace: outside it would count every process of the grader's
    user."""
    for res, value in ((resource.RLIMIT_DATA, lim["memory"]), (resource.RLIMIT_FSIZE, lim["disk"]),
                       (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NOFILE, 4096),
                       *([(resource.RLIMIT_NPROC, lim["processes"])] if nproc else [])):
        resource.setrlimit(res, (int(value), int(value)))
    cpu = int(lim["cpu"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))  # SIGXCPU first, SIGKILL 5 s later


# --------------------------------------------------------------------- the collector (PID 1 inside)

def _collect(cfg: dict, out) -> None:
    """The collector's whole job; writes one framed result to ``out``."""
    for d, mode in (("work", 0o755), ("home", 0o755), ("tmp", 0o1777), ("shm", 0o1777)):
        os.makedirs(f"{GRADING}/{d}", exist_ok=True)
        os.chmod(f"{GRADING}/{d}", mode)
    with (
        open(f"{STAGE}/notebook", "rb") as src,
        open(f"{GRADING}/work/{cfg['notebook_name']}", "wb") as dst,
    ):
        dst.write(src.read())
    import shutil

    # small host folders the child may change (matplotlib's cache)
    for i, dst in enumerate(cfg["copies"]):
        if os.path.isdir(f"{STAGE}/copy{i}"):
            shutil.copytree(f"{STAGE}/copy{i}", f"{GRADING}{dst}", dirs_exist_ok=True,
                            symlinks=False)
    inner = [cfg["bwrap"], "--unshare-user", "--uid", str(CHILD_UID), "--gid", str(CHILD_UID),
             "--disable-userns", "--die-with-parent", "--new-session", "--ro-bind", "/", "/",
             "--bind", GRADING, GRADING, "--dev", "/dev", "--bind", f"{GRADING}/tmp", "/tmp",
             "--bind", f"{GRADING}/shm", "/dev/shm", "--remount-ro", "/dev"]
    # folders the grader bound under /tmp stay visible over the private /tmp
    for dst in cfg["under_tmp"]:
        inner += ["--ro-bind", dst, dst]
    inner += ["--chdir", cfg["cwd"], "--", *cfg["argv"]]
    log = os.open(f"{GRADING}/out/runner.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    t0 = time.monotonic()
    proc = subprocess.Popen(inner, env=cfg["env"], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            preexec_fn=lambda: _set_limits(cfg["limits"], nproc=True))
    os.close(log)
    events: dict = {"wall_limit": False}
    try:
        events["exit"] = proc.wait(timeout=max(1.0, float(cfg["limits"]["wall"]) - 2))
    except subprocess.TimeoutExpired:
        events["wall_limit"] = True
    try:
        os.kill(-1, signal.SIGKILL)  # from PID 1: every other process of the submission
    except ProcessLookupError:
        pass  # none was left
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
    if events["wall_limit"]:
        events["exit"] = None
    events["seconds"] = round(time.monotonic() - t0, 2)
    vfs = os.statvfs(GRADING)
    events["disk_free"] = vfs.f_bavail * vfs.f_frsize
    blobs, events["files"] = [], {}
    for name, (path, cap) in cfg["collect"].items():
        data, why = _read_result_file(path, int(cap))
        events["files"][name] = {"size": len(data) if data is not None else None, "why": why}
        if data is not None:
            blobs.append(data)
    out.write(b"result " + json.dumps(events).encode() + b"\n")
    for b in blobs:
        out.write(b)
    out.flush()


def main() -> int:
    """Collector entry point: one JSON config line on stdin, the framed result on stdout."""
    # PID 1 with no handlers: the submission cannot signal it
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    out = sys.stdout.buffer
    try:
        _collect(json.loads(sys.stdin.buffer.readline()), out)
        return 0
    except BaseException as e:  # noqa: BLE001 - the grader reads this line and says why
        try:
            out.write(b"error " + json.dumps(f"{type(e).__name__}: {e}").encode() + b"\n")
            out.flush()
        except OSError:
            pass
        return 3


if __name__ == "__main__":
    sys.exit(main())


# ============================================================================= the grader's side

import select  # noqa: E402  (the collector above needs only what it imports first)
import shutil  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402


@dataclass(frozen=True)
class Limits:
    """What one submission may use; each is a ``grade`` command-line option."""

    # bytes: the whole submission where a cgroup can be made, else each process
    memory: int = 4_000_000_000
    processes: int = 512             # processes and threads of the submission
    cpu: int = 1200                  # CPU seconds per process
    # bytes in its folder, /tmp and /dev/shm together (a tmpfs: counts as memory)
    disk: int = 1_000_000_000
    output: int = 20_000_000         # bytes of the executed notebook kept for the teacher
    answers: int = 20_000_000        # bytes of recorded answers
    wall: float = 630.0              # seconds for the whole submission, start-up included


@dataclass
class Outcome:
    """What came back from one sandboxed run: the files asked for (bytes or None) and what
    happened."""

    files: dict[str, bytes | None] = field(default_factory=dict)
    why_missing: dict[str, str] = field(default_factory=dict)
    wall_limit: bool = False        # stopped at the wall-time limit
    memory_limit: bool = False      # the cgroup's OOM killer struck
    process_limit: bool = False     # the cgroup refused a fork
    disk_full: bool = False         # its tmpfs was (nearly) full at the end
    exit_code: int | None = None    # the runner's exit code (negative: killed by that signal)
    error: str = ""                 # the sandbox could not be built or did not answer
    seconds: float = 0.0
    cgroup: str = ""                # "v2", "v1" or "" (no cgroup: the memory limit is per process)


def bwrap_path() -> str:
    """The bwrap program, or a SandboxError saying how to install it."""
    found = shutil.which("bwrap") or ("/usr/bin/bwrap" if os.access("/usr/bin/bwrap", os.X_OK)
                                      else None)
    if not found:
        raise SandboxError(f"bubblewrap (bwrap) is not installed: {INSTALL} (Debian, Ubuntu) or "
                           "your system's bubblewrap package")
    return found


# ----------------------------------------------------------------------------- cgroups

def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class _Cgroup:
    """A fresh cgroup for one submission (memory and processes), or nothing where none can be
    made."""

    def __init__(self, limits: Limits):
        self.version, self.paths = "", {}
        name = f"ganlib-grade-{os.getpid()}-{time.monotonic_ns()}"
        own = {}
        try:
            with open("/proc/self/cgroup", encoding="utf-8") as f:
                for line in f:
                    num, ctrl, path = line.rstrip("\n").split(":", 2)
                    for c in ctrl.split(",") if ctrl else ["v2"]:
                        own[c] = path
        except (OSError, ValueError):
            return
        try:
            # v2: a delegated subtree we may write
            for mount in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
                parent = f"{mount}{own.get('v2', '/nonexistent')}"
                if os.path.isfile(f"{parent}/cgroup.subtree_control"):
                    with open(f"{parent}/cgroup.subtree_control", encoding="utf-8") as f:
                        if not {"memory", "pids"} <= set(f.read().split()):
                            continue
                    os.mkdir(f"{parent}/{name}")
                    self.paths = {"memory": f"{parent}/{name}", "pids": f"{parent}/{name}"}
                    _write(f"{parent}/{name}/memory.max", str(limits.memory))
                    if os.path.exists(f"{parent}/{name}/memory.swap.max"):
                        _write(f"{parent}/{name}/memory.swap.max", "0")
                    _write(f"{parent}/{name}/pids.max", str(limits.processes))
                    self.version = "v2"
                    return
            mem, pids = (
                f"/sys/fs/cgroup/memory{own.get('memory')}/{name}",
                f"/sys/fs/cgroup/pids/{name}",
            )
            if "memory" not in own or not os.path.isdir(os.path.dirname(mem)):
                return
            os.mkdir(mem)
            self.paths["memory"] = mem
            _write(f"{mem}/memory.limit_in_bytes", str(limits.memory))
            if os.path.exists(f"{mem}/memory.memsw.limit_in_bytes"):
                _write(f"{mem}/memory.memsw.limit_in_bytes", str(limits.memory))
            if os.path.isdir(os.path.dirname(pids)):
                os.mkdir(pids)
                self.paths["pids"] = pids
                _write(f"{pids}/pids.max", str(limits.processes))
            self.version = "v1"
        except OSError:
            self.remove()

    def enter(self) -> None:
        """Move the calling process into the cgroup (run in the child, before it drops its uid)."""
        for path in set(self.paths.values()):
            _write(f"{path}/cgroup.procs", "0")

    def _count(self, controller: str, file: str, key: str) -> int:
        try:
            with open(f"{self.paths[controller]}/{file}", encoding="utf-8") as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k == key:
                        return int(v)
        except (OSError, KeyError, ValueError):
            pass
        return 0

    def memory_hit(self) -> bool:
        if self.version == "v2":
            return self._count("memory", "memory.events", "oom_kill") > 0
        return self.version == "v1" and self._count("memory", "memory.oom_control", "oom_kill") > 0

    def pids_hit(self) -> bool:
        return self.version != "" and self._count("pids", "pids.events", "max") > 0

    def remove(self) -> None:
        for path in set(self.paths.values()):
            for _ in range(50):  # the last processes may still be exiting
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        self.paths = {}


# -------------------------------------------------------------------------- the file system it sees

def system_binds() -> tuple[list[list[str]], list[list[str]]]:
    """Read-only binds (host path, path in the child) and top-level symlinks for the child's root:
    the system (``/usr``, ``/etc``, ``/bin``…) and this Python (its prefix and, for a venv, its
    base)."""
    binds, links = [], []
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr", "/etc"):
        if os.path.islink(top):
            links.append([top, os.readlink(top)])
        elif os.path.isdir(top):
            binds.append([top, top])
    for p in (sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix,
              os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))):
        p = os.path.realpath(p)
        if not any(p == b or p.startswith(b.rstrip("/") + "/") for b, _ in binds):
            binds.append([p, p])
        if os.path.abspath(sys.prefix) != p and os.path.realpath(sys.prefix) == p:
            binds.append([p, os.path.abspath(sys.prefix)])  # a venv reached through a symlink
    return binds, links


def _reachable_by_others(path: str) -> bool:
    """Whether a uid with no rights of its own can reach ``path`` (every folder on the way
    world-searchable)."""
    parts = os.path.realpath(path).split("/")
    for i in range(2, len(parts) + 1):
        try:
            st = os.stat("/".join(parts[:i]) or "/")
        except OSError:
            return False
        if stat.S_ISDIR(st.st_mode) and not st.st_mode & stat.S_IXOTH:
            return False
    return True


def _private_files(top: str) -> list[str]:
    """Files and folders under ``top`` that only their owner or group may read
    (``/etc/shadow``...)."""
    found = []
    for here, dirs, files in os.walk(top):
        for name in dirs + files:
            p = os.path.join(here, name)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if not stat.S_ISLNK(st.st_mode) and not st.st_mode & stat.S_IROTH:
                found.append(p)
        dirs[:] = [d for d in dirs if os.path.join(here, d) not in found]
    return found


def _bwrap_args(binds: list[list[str]], links: list[list[str]], masks: list[str], limits: Limits,
                as_root: bool, stage: str) -> list[str]:
    """The outer ring's command line: namespaces, the read-only root, the capped tmpfs, the
    collector."""
    a = [bwrap_path(), "--unshare-all", "--die-with-parent", "--new-session", "--as-pid-1",
         "--hostname", "grading", "--clearenv", "--setenv", "LANG", "C.UTF-8"]
    for name, target in links:
        a += ["--symlink", target, name]
    for src, dst in binds:
        if os.path.exists(src):
            a += ["--ro-bind", src, dst]
    if as_root:  # the child's files are then root's: what only root may read on the host is hidden
        for p in _private_files("/etc"):
            a += (
                ["--perms", "0000", "--tmpfs", p]
                if os.path.isdir(p)
                else ["--ro-bind", f"{stage}/private", p]
            )
    for m in masks:  # host folders inside those binds the child must not see (the real ganlib)
        if any(m == d or m.startswith(d.rstrip("/") + "/") for _, d in binds):
            a += ["--perms", "0555", "--tmpfs", m, "--remount-ro", m]
    out_size = int(1.2 * limits.output + 2 * limits.answers + 8_000_000)
    a += ["--proc", "/proc", "--dev", "/dev", "--dir", "/tmp",
          "--size", str(int(limits.disk)), "--perms", "0755", "--tmpfs", GRADING,
          "--size", str(out_size), "--perms", "0755", "--tmpfs", f"{GRADING}/out",
          "--ro-bind", stage, STAGE]
    return a


# ----------------------------------------------------------------------------- running it

def _read_until(fd: int, deadline: float, cap: int, line: bool = False) -> bytes:
    """Bytes from ``fd`` until EOF, ``cap`` bytes, the deadline, or (``line``) a newline."""
    data = bytearray()
    while len(data) < cap and not (line and data.endswith(b"\n")):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            break
        chunk = os.read(fd, 1 if line else min(1 << 20, cap - len(data)))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def run(notebook: str, argv: list[str], env: dict[str, str], *, limits: Limits = Limits(),
        binds: list[list[str]] = (), collect: dict[str, tuple[str, int]] | None = None,
        copies: list[list[str]] = (), masks: list[str] = ()) -> Outcome:
    """Run ``argv`` in a fresh sandbox whose writable folder holds a copy of ``notebook``.

    ``binds``: extra read-only (host path, child path) pairs after the system's. ``collect``:
    name → (child path, byte cap) of files to bring back. ``copies``: (host folder, child
    folder under /grading) copied in before the runner starts (e.g. matplotlib's font cache).
    ``masks``: folders the binds would show that the child sees empty instead.
    """
    sys_binds, links = system_binds()
    all_binds = sys_binds + [list(b) for b in binds]
    root = os.geteuid() == 0
    script = os.path.abspath(__file__)
    as_other = root and all(_reachable_by_others(s) for s in [script, *(s for s, _ in all_binds)]
                            if os.path.exists(s))
    out = Outcome()
    stage = tempfile.mkdtemp(prefix="ganlib-sandbox-")
    cgroup = _Cgroup(limits)
    out.cgroup = cgroup.version
    t0 = time.monotonic()
    try:
        os.chmod(stage, 0o755)
        shutil.copyfile(notebook, f"{stage}/notebook")
        for i, (src, _) in enumerate(copies):
            if os.path.isdir(src):
                shutil.copytree(src, f"{stage}/copy{i}", ignore=shutil.ignore_patterns("*.lock"),
                                symlinks=False)
        for here, dirs, files in os.walk(stage):
            for name in dirs + files:
                os.chmod(os.path.join(here, name), 0o755 if name in dirs else 0o644)
        open(f"{stage}/private", "w").close()
        # no one but a capable root reads it: a mask for root-only files
        os.chmod(f"{stage}/private", 0)
        args = _bwrap_args(all_binds, links, [os.path.realpath(m) for m in masks], limits,
                           root and not as_other, stage)
        args += ["--ro-bind", script, "/collector.py", "--remount-ro", "/",
                 "--", sys.executable, "-I", "-S", "/collector.py"]
        cfg = {"bwrap": bwrap_path(), "notebook_name": os.path.basename(notebook), "argv": argv,
               "env": env, "cwd": f"{GRADING}/work",
               "limits": asdict(limits), "copies": [dst for _, dst in copies],
               # everything bound under /tmp (a grading copy, or Python itself when the venv lives
               # there) stays visible over the inner ring's private /tmp
               "under_tmp": sorted({d for s, d in all_binds
                                    if (d == "/tmp" or d.startswith("/tmp/"))
                                    and os.path.exists(s)}),
               "collect": {k: [p, int(c)] for k, (p, c) in (collect or {}).items()}}
        caps = sum(int(c) for _, c in cfg["collect"].values())

        # in the child, before exec: the cgroup, the rlimits, then (root) another uid
        def start() -> None:
            cgroup.enter()
            _set_limits(asdict(limits), nproc=False)
            if as_other:
                os.setgroups([])
                os.setresgid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
                os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)

        err = tempfile.TemporaryFile()
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                cwd="/", env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
                                start_new_session=True, preexec_fn=start)
        try:
            proc.stdin.write(json.dumps(cfg).encode() + b"\n")
            proc.stdin.close()
            # the collector enforces the wall limit; this is the grader's own
            deadline = t0 + limits.wall + 60
            fd = proc.stdout.fileno()
            line = _read_until(fd, deadline, 100_000, line=True)
            if not line.startswith(b"result "):
                raise SandboxError(_first_error(line, err) or "the sandbox ended without a result")
            events = json.loads(line[len(b"result "):])
            sizes = {k: v.get("size") for k, v in events["files"].items() if k in cfg["collect"]}
            want = sum(s for s in sizes.values() if isinstance(s, int) and s > 0)
            if want > caps:
                raise SandboxError("the sandbox sent more than was asked for")
            blob = _read_until(fd, deadline, want)
            pos = 0
            for name in cfg["collect"]:
                size = sizes.get(name)
                if not isinstance(size, int) or pos + size > len(blob):
                    out.files[name] = None
                    out.why_missing[name] = (
                        str(events["files"].get(name, {}).get("why", ""))[:200] or "cut short"
                    )
                else:
                    out.files[name] = blob[pos:pos + size]
                    pos += size
            out.wall_limit = bool(events.get("wall_limit")) or time.monotonic() > deadline
            out.exit_code = events.get("exit") if isinstance(events.get("exit"), int) else None
            out.seconds = float(events.get("seconds", 0.0))
            free = events.get("disk_free")
            out.disk_full = isinstance(free, int) and free < min(limits.disk // 100, 1_000_000)
        finally:
            if proc.poll() is None:
                # bwrap, our own child: --die-with-parent takes the whole sandbox with it
                proc.kill()
            proc.wait()
            proc.stdout.close()
            err.close()
    except (SandboxError, OSError, ValueError, KeyError, TypeError, AttributeError,
            subprocess.SubprocessError) as e:
        out.error = out.error or str(e)
    finally:
        out.memory_limit, out.process_limit = cgroup.memory_hit(), cgroup.pids_hit()
        cgroup.remove()
        shutil.rmtree(stage, ignore_errors=True)
    if not out.seconds:
        out.seconds = round(time.monotonic() - t0, 2)
    return out


def _first_error(line: bytes, err) -> str:
    """Why the sandbox failed: the collector's ``error`` line, else the end of bwrap's stderr."""
    if line.startswith(b"error "):
        try:
            return str(json.loads(line[len(b"error "):]))
        except ValueError:
            pass
    try:
        err.seek(0)
        return err.read()[-2000:].decode(errors="replace").strip()
    except OSError:
        return ""


_PROBE: tuple[bool, str] | None = None


def available() -> tuple[bool, str]:
    """Whether this machine can build the sandbox, and if not why (checked once, by a real run)."""
    global _PROBE
    if _PROBE is None:
        if not sys.platform.startswith("linux"):
            _PROBE = (False, f"the sandbox needs Linux namespaces; this is {sys.platform}")
            return _PROBE
        try:
            bwrap_path()
        except SandboxError as e:
            _PROBE = (False, str(e))
            return _PROBE
        with tempfile.TemporaryDirectory() as d:
            nb = os.path.join(d, "probe.txt")
            with open(nb, "w") as f:
                f.write("probe")
            got = run(nb, [sys.executable, "-I", "-S", "-c",
                           "import os; open('/grading/out/ok', 'w').write(str(os.getuid()))"],
                      {"LANG": "C.UTF-8"}, limits=Limits(wall=60),
                      collect={"ok": (f"{GRADING}/out/ok", 100)})
        if got.files.get("ok") == str(CHILD_UID).encode():
            _PROBE = (True, "")
        else:
            _PROBE = (False, (got.error or f"the probe did not run (exit {got.exit_code})")
                      + f"; is bubblewrap working here? ({INSTALL}; unprivileged user namespaces "
                        "must be allowed)")
    return _PROBE
