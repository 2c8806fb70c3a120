"""The grader's sandbox: run one submission where it sees nothing but itself and can harm nothing.

The child runs as an unprivileged user in its own user, PID, network (no interface up), mount,
IPC, UTS and cgroup namespaces. Its file system is a fresh tmpfs root holding only what it needs,
read-only (the system's ``/usr`` and ``/etc``, the Python installation, the grading copy of
ganlib) plus one size-capped writable tmpfs (``/grading``: the submission's folder, its home,
``/tmp`` and ``/dev/shm``). No host ``/proc/sys``, ``/sys`` or cgroup file is writable, and when
the child's init (PID 1) ends, the kernel kills everything it started. Limits: memory (a cgroup
where one can be made, and ``RLIMIT_DATA`` per process), processes (``RLIMIT_NPROC`` counted
in the child's own user namespace, and the cgroup), CPU seconds per process, disk (the tmpfs),
file size, and wall time (enforced here, outside).

Three processes, each trusting only the one above it:

- the *grader* (:func:`run`) starts the *supervisor* and, when it runs as root, writes its uid
  map so the child's user is a uid no one else has. It kills only that supervisor (its own
  child, known from fork, never from a file) and reads back only framed, size-capped bytes;
- the *supervisor* (this file run as a script, stdlib only) creates the namespaces, starts the
  child's *init*, enforces the wall-time limit, and when init has ended (with every process of
  the submission) reads the files the grader asked for, refusing links and special files;
- *init* (PID 1 of the new PID namespace) builds the new root, pivots into it, starts the
  runner as the unprivileged user in a nested user + mount namespace (so every mount is
  locked), and reaps orphans. Init and the supervisor are not dumpable: the child can neither
  ptrace nor signal them.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import resource
import select
import signal
import stat
import sys
import time

CHILD_UID = 1000             # the submission's uid inside its namespace (mapped to SANDBOX_UID when root grades)
SANDBOX_UID = 1_900_000_000  # outside uid of the submission when the grader can map uids (root); used by nothing else
GRADING = "/grading"         # the one writable place in the child (a tmpfs)

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC, MS_PRIVATE, MS_RELATIME = 1024, 2048, 4096, 16384, 1 << 18, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "ppc64": 203, "s390x": 217,
              "i686": 217, "i386": 217, "armv7l": 218, "armv6l": 218}

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(Exception):
    """The sandbox could not be built (a missing kernel feature, a refused mount)."""


def _check(ret: int, what: str) -> int:
    if ret == -1:
        e = ctypes.get_errno()
        raise SandboxError(f"{what}: {os.strerror(e)} (errno {e})")
    return ret


def _unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def _mount(src: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    _check(_libc.mount(enc(src), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {src or fstype} on {target}")


def _prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), ctypes.c_ulong(0), ctypes.c_ulong(0),
                       ctypes.c_ulong(0)), f"prctl {option}")


def _pivot_root(new: str, old: str) -> None:
    nr = PIVOT_ROOT.get(platform.machine())
    if nr is None:
        raise SandboxError(f"pivot_root: unknown system call number on {platform.machine()}")
    _check(_libc.syscall(ctypes.c_long(nr), new.encode(), old.encode()), "pivot_root")


def _write(path: str, text: str) -> None:
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)
    except OSError as e:
        raise SandboxError(f"writing {text.strip()!r} to {path}: {e.strerror}") from None


# ----------------------------------------------------------------------------- init: the new root

def _locked_flags(path: str) -> int:
    """Mount flags a remount of a bind of ``path`` must keep (the kernel locks them in a user namespace)."""
    f = os.statvfs(path).f_flag
    out = 0
    for st, ms in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
                   (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME)):
        if f & st:
            out |= ms
    return out


def _bind(src: str, dst: str, writable: bool = False) -> None:
    """Bind ``src`` (a folder or a file) at ``dst`` in the new root: read-only, no setuid, no devices."""
    if os.path.isdir(src):
        os.makedirs(dst, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst):
            open(dst, "w").close()
    _mount(src, dst, None, MS_BIND)
    flags = MS_REMOUNT | MS_BIND | MS_NOSUID | _locked_flags(dst) | (0 if writable else MS_RDONLY)
    _mount(None, dst, None, flags)


def _copy_in(src: str, dst: str, uid: int) -> None:
    """Copy the regular files of a host folder (not its links) into the child's tmpfs, owned by the child."""
    if not os.path.isdir(src):
        return
    for here, dirs, files in os.walk(src):
        target = os.path.join(dst, os.path.relpath(here, src))
        os.makedirs(target, exist_ok=True)
        os.chown(target, uid, uid)
        for name in files:
            p = os.path.join(here, name)
            if os.path.isfile(p) and not os.path.islink(p) and not name.endswith(".lock"):
                with open(p, "rb") as a, open(os.path.join(target, name), "wb") as b:
                    b.write(a.read())
                os.chown(os.path.join(target, name), uid, uid)


def _build_root(cfg: dict) -> None:
    """Mount the child's file system under cfg['jail'], then pivot into it (init does this)."""
    jail = cfg["jail"]
    lim = cfg["limits"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", jail, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0755")
    for name, target in cfg["links"]:  # /bin -> usr/bin and the like, as on the host
        os.symlink(target, jail + name)
    # the one writable place: the submission's folder, its home, /tmp and /dev/shm, all in one capped tmpfs
    g = jail + GRADING
    os.makedirs(g)
    _mount("tmpfs", g, "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={int(lim['disk'])},nr_inodes={int(lim['inodes'])},mode=0755")
    for d, mode in (("work", 0o755), ("home", 0o755), ("tmp", 0o1777), ("shm", 0o1777), ("out", 0o755)):
        os.mkdir(f"{g}/{d}")
        os.chmod(f"{g}/{d}", mode)
        os.chown(f"{g}/{d}", cfg["child_uid_here"], cfg["child_uid_here"])
    # the private /tmp goes in before the read-only binds: a Python or course that lives under the host's
    # /tmp (a clone in /tmp/x) is then bound on top of it, not hidden by it
    os.makedirs(f"{jail}/tmp", exist_ok=True)
    _bind(f"{g}/tmp", f"{jail}/tmp", writable=True)
    for src, dst in cfg["binds"]:
        if os.path.exists(src):
            _bind(src, jail + dst)
    for path in cfg.get("masks", []):  # host folders inside those binds the child must not see (the real ganlib)
        if os.path.isdir(jail + path):
            _mount("tmpfs", jail + path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0555")
    # the runner's results get a tmpfs of their own, so a submission that fills its disk still has them
    _mount("tmpfs", f"{g}/out", "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={int(1.2 * lim['output'] + 2 * lim['answers'] + 8_000_000)},nr_inodes=1000,mode=0755")
    os.chown(f"{g}/out", cfg["child_uid_here"], cfg["child_uid_here"])
    with open(cfg["notebook"], "rb") as src, open(f"{g}/work/{cfg['notebook_name']}", "wb") as dst:
        dst.write(src.read())
    os.chown(f"{g}/work/{cfg['notebook_name']}", cfg["child_uid_here"], cfg["child_uid_here"])
    for src, dst in cfg["copies"]:  # small host folders the child may change (matplotlib's font cache)
        _copy_in(src, f"{g}{dst}", cfg["child_uid_here"])
    for here, dirs, files in os.walk(f"{g}/home"):  # folders made on the way belong to the child too
        for name in dirs + files:
            os.lchown(os.path.join(here, name), cfg["child_uid_here"], cfg["child_uid_here"])
    for d in ("dev", "proc", "sys"):
        os.makedirs(f"{jail}/{d}", exist_ok=True)
    # /dev: a few harmless device nodes, bound from the host (a new mknod is not allowed here)
    _mount("tmpfs", f"{jail}/dev", "tmpfs", MS_NOSUID, "size=64k,mode=0755")
    for node in ("null", "zero", "full", "random", "urandom"):
        _bind(f"/dev/{node}", f"{jail}/dev/{node}", writable=True)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{jail}/dev/{name}")
    _bind(f"{g}/shm", f"{jail}/dev/shm", writable=True)
    _mount(None, f"{jail}/dev", None, MS_REMOUNT | MS_NOSUID | MS_RDONLY)
    # /proc of the new PID namespace (only its own processes), with /proc/sys read-only; sysfs read-only
    _mount("proc", f"{jail}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for sub in ("sys", "sysrq-trigger", "irq", "bus"):
        p = f"{jail}/proc/{sub}"
        if os.path.exists(p):
            _mount(p, p, None, MS_BIND | MS_REC)
            _mount(None, p, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    try:
        _mount("sysfs", f"{jail}/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except SandboxError:
        pass  # no sysfs at all is fine: nothing the course runs needs it
    os.makedirs(f"{jail}/.old", exist_ok=True)
    os.chdir(jail)
    _pivot_root(".", ".old")
    os.chdir("/")
    _mount(None, "/.old", None, MS_REC | MS_PRIVATE)
    _check(_libc.umount2(b"/.old", ctypes.c_int(MNT_DETACH)), "umount the old root")
    os.rmdir("/.old")
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    _check(_libc.sethostname(b"grading", ctypes.c_size_t(7)), "sethostname")


def _become_child(cfg: dict) -> None:
    """In the runner's process: drop to the unprivileged user, lock every mount, set the limits, exec."""
    lim = cfg["limits"]
    os.setsid()
    if cfg["mapped"]:  # uid 1000 exists in this namespace (root graded): become it for good
        try:
            os.setgroups([])
            os.setresgid(CHILD_UID, CHILD_UID, CHILD_UID)
            os.setresuid(CHILD_UID, CHILD_UID, CHILD_UID)
        except OSError as e:
            raise SandboxError(f"becoming uid {CHILD_UID}: {e.strerror}") from None
    _prctl(PR_SET_DUMPABLE, 1)  # a uid change (and init) made it undumpable: /proc/self would be root's
    outer, outer_gid = os.geteuid(), os.getegid()
    # a nested user + mount namespace: the child holds no capability over any mount it sees
    _unshare(CLONE_NEWUSER | CLONE_NEWNS)
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"{CHILD_UID} {outer} 1")
    _write("/proc/self/gid_map", f"{CHILD_UID} {outer_gid} 1")
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    for res, value in ((resource.RLIMIT_DATA, lim["memory"]), (resource.RLIMIT_NPROC, lim["processes"]),
                       (resource.RLIMIT_FSIZE, lim["disk"]), (resource.RLIMIT_CORE, 0),
                       (resource.RLIMIT_NOFILE, 4096)):
        resource.setrlimit(res, (int(value), int(value)))
    cpu = int(lim["cpu"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))  # SIGXCPU first, SIGKILL 5 s later
    os.chdir(cfg["cwd"])
    log = os.open(f"{GRADING}/out/runner.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.closerange(3, 65536)
    os.execve(cfg["argv"][0], cfg["argv"], cfg["env"])


def _init(cfg: dict, err_w: int) -> int:
    """PID 1 of the child's namespace: build the root, start the runner, reap until it ends."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _prctl(PR_SET_DUMPABLE, 0)
    try:
        _build_root(cfg)
        pid = os.fork()
        if pid == 0:
            try:
                _become_child(cfg)
            except BaseException as e:  # noqa: BLE001 - report and leave
                os.write(err_w, f"starting the runner: {e}".encode()[:2000])
            os._exit(127)
    except BaseException as e:  # noqa: BLE001
        os.write(err_w, f"building the sandbox: {e}".encode()[:2000])
        return 126
    os.close(err_w)
    while True:  # reap every orphan; leave when the runner has ended (the kernel then kills the rest)
        try:
            done, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 125
        except InterruptedError:
            continue
        if done == pid:
            return os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)


# ----------------------------------------------------------------------------- supervisor

def _read_result_file(path: str, cap: int) -> tuple[bytes | None, str]:
    """A regular file's bytes (at most ``cap``), never following links nor opening FIFOs or devices."""
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


def _supervise(cfg: dict, out) -> None:
    """The supervisor's whole job; writes one framed result to ``out``."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the grader gone: everything goes
    flags = (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
             | CLONE_NEWCGROUP)
    _unshare(flags)
    if cfg["mapped"]:  # the grader (root) writes a map with a second, unprivileged uid for the child
        out.write(b"unshared\n")
        out.flush()
        if sys.stdin.buffer.readline().strip() != b"mapped":
            raise SandboxError("the grader did not map the user namespace")
    else:  # one uid only: ours, as root in here; the child gets it too, in a nested namespace
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {cfg['outer_uid']} 1")
        _write("/proc/self/gid_map", f"0 {cfg['outer_gid']} 1")
    _prctl(PR_SET_DUMPABLE, 0)  # (after the maps: an undumpable process's /proc/self is not its own)
    cfg["child_uid_here"] = CHILD_UID if cfg["mapped"] else 0
    err_r, err_w = os.pipe()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(err_r)
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os._exit(_init(cfg, err_w))
    os.close(err_w)
    events: dict = {"wall_limit": False}
    deadline = t0 + float(cfg["limits"]["wall"])
    status = None
    pidfd = os.pidfd_open(pid)
    while status is None:
        left = deadline - time.monotonic()
        if left <= 0 and not events["wall_limit"]:
            events["wall_limit"] = True
            os.kill(pid, signal.SIGKILL)  # init gone: the kernel kills every process in its namespace
            left = 30
        select.select([pidfd], [], [], max(0.0, left))
        done, st = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            status = st
    os.close(pidfd)
    events["seconds"] = round(time.monotonic() - t0, 2)
    events["exit"] = os.waitstatus_to_exitcode(status)
    events["setup_error"] = os.read(err_r, 4000).decode(errors="replace")
    try:
        vfs = os.statvfs(GRADING)
        events["disk_free"] = vfs.f_bavail * vfs.f_frsize
        events["inodes_free"] = vfs.f_favail
    except OSError:
        events["disk_free"] = events["inodes_free"] = None
    blobs = []
    events["files"] = {}
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
    """Supervisor entry point: one JSON config line on stdin, the framed result on stdout."""
    out = sys.stdout.buffer
    try:
        cfg = json.loads(sys.stdin.buffer.readline())
        _supervise(cfg, out)
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

import shutil  # noqa: E402  (the supervisor above needs only what it imports first)
import subprocess  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import asdict, dataclass, field  # noqa: E402


@dataclass(frozen=True)
class Limits:
    """What one submission may use; each is a ``grade`` command-line option."""

    memory: int = 4_000_000_000      # bytes: the whole submission where a cgroup can be made, else each process
    processes: int = 512             # processes and threads of the submission
    cpu: int = 1200                  # CPU seconds per process
    disk: int = 1_000_000_000        # bytes in its folder, /tmp and /dev/shm together (a tmpfs: counts as memory)
    inodes: int = 100_000            # files in them
    output: int = 20_000_000         # bytes of the executed notebook kept for the teacher
    answers: int = 20_000_000        # bytes of recorded answers
    wall: float = 630.0              # seconds for the whole submission, start-up included


@dataclass
class Outcome:
    """What came back from one sandboxed run: the files asked for (bytes or None) and what happened."""

    files: dict[str, bytes | None] = field(default_factory=dict)
    why_missing: dict[str, str] = field(default_factory=dict)
    wall_limit: bool = False        # the supervisor stopped it at the wall-time limit
    memory_limit: bool = False      # the cgroup's OOM killer struck
    process_limit: bool = False     # the cgroup refused a fork
    disk_full: bool = False         # its tmpfs was (nearly) full at the end
    exit_code: int | None = None    # the runner's exit code (negative: killed by that signal)
    error: str = ""                 # the sandbox could not be built or the supervisor failed
    seconds: float = 0.0
    cgroup: str = ""                # "v2", "v1" or "" (no cgroup: the memory limit is per process)


# ----------------------------------------------------------------------------- cgroups

def _own_cgroup(version: str) -> str | None:
    """This process's cgroup path for the v2 hierarchy ("0::") or the v1 memory controller."""
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            for line in f:
                num, ctrl, path = line.rstrip("\n").split(":", 2)
                if version == "v2" and num == "0" and ctrl == "":
                    return path
                if version == "v1" and "memory" in ctrl.split(","):
                    return path
    except OSError:
        pass
    return None


class _Cgroup:
    """A fresh cgroup for one submission (memory and processes), or nothing where none can be made."""

    def __init__(self, limits: Limits):
        self.version, self.paths = "", {}
        name = f"ganlib-grade-{os.getpid()}-{time.monotonic_ns()}"
        for mount in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):  # v2: a delegated subtree we may write
            own = _own_cgroup("v2")
            parent = f"{mount}{own}" if own is not None else None
            if parent and os.path.isfile(f"{parent}/cgroup.subtree_control"):
                try:
                    with open(f"{parent}/cgroup.subtree_control", encoding="utf-8") as f:
                        enabled = f.read().split()
                    if "memory" in enabled and "pids" in enabled:
                        path = f"{parent}/{name}"
                        os.mkdir(path)
                        self.paths = {"memory": path, "pids": path}
                        _write(f"{path}/memory.max", str(limits.memory))
                        if os.path.exists(f"{path}/memory.swap.max"):
                            _write(f"{path}/memory.swap.max", "0")
                        _write(f"{path}/pids.max", str(limits.processes))
                        self.version = "v2"
                        return
                except OSError:
                    self.remove()
        own = _own_cgroup("v1")  # v1: memory and pids controllers mounted separately
        try:
            mem, pids = f"/sys/fs/cgroup/memory{own}/{name}", f"/sys/fs/cgroup/pids/{name}"
            if own is None or not os.path.isdir(os.path.dirname(mem)):
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

    def add(self, pid: int) -> None:
        for path in set(self.paths.values()):
            _write(f"{path}/cgroup.procs", str(pid))

    def _count(self, controller: str, file: str, key: str) -> int:
        path = self.paths.get(controller)
        try:
            with open(f"{path}/{file}", encoding="utf-8") as f:
                for line in f:
                    k, _, v = line.partition(" ")
                    if k == key:
                        return int(v)
        except (OSError, TypeError, ValueError):
            pass
        return 0

    def memory_hit(self) -> bool:
        if self.version == "v2":
            return self._count("memory", "memory.events", "oom_kill") > 0 or \
                self._count("memory", "memory.events", "max") > 0 and self._count("memory", "memory.events", "oom") > 0
        if self.version == "v1":
            return self._count("memory", "memory.oom_control", "oom_kill") > 0
        return False

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


# ----------------------------------------------------------------------------- the file system it sees

def system_binds() -> tuple[list[list[str]], list[list[str]]]:
    """Read-only binds (host path, path in the child) and top-level symlinks for the child's root:
    the system (``/usr``, ``/etc``, ``/bin``…) and this Python (its prefix and, for a venv, its base)."""
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


# ----------------------------------------------------------------------------- running it

def _read_until(stream, deadline: float, cap: int) -> tuple[bytes, bool]:
    """Bytes from ``stream`` until EOF, ``cap`` bytes or the deadline; and whether EOF was reached."""
    fd = stream.fileno()
    data = bytearray()
    while len(data) <= cap:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(data), False
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return bytes(data), True
        data += chunk
    return bytes(data), False


def _readline(stream, deadline: float) -> bytes:
    fd = stream.fileno()
    data = bytearray()
    while not data.endswith(b"\n") and len(data) < 100_000:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 1)
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
    mapped = os.geteuid() == 0
    stage = tempfile.mkdtemp(prefix="ganlib-sandbox-")
    os.chmod(stage, 0o700)
    jail = os.path.join(stage, "root")
    os.mkdir(jail)
    cfg = {"jail": jail, "links": links, "binds": sys_binds + [list(b) for b in binds],
           "notebook": os.path.abspath(notebook), "notebook_name": os.path.basename(notebook),
           "argv": argv, "env": env, "cwd": f"{GRADING}/work", "limits": asdict(limits), "mapped": mapped,
           "outer_uid": os.geteuid(), "outer_gid": os.getegid(), "copies": [list(c) for c in copies],
           "masks": [os.path.realpath(m) for m in masks],
           "collect": {k: [p, int(c)] for k, (p, c) in (collect or {}).items()}}
    out = Outcome()
    cgroup = _Cgroup(limits)
    out.cgroup = cgroup.version
    t0 = time.monotonic()
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-I", "-S", os.path.abspath(__file__)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=err, cwd="/", env={"LANG": "C.UTF-8"},
                            start_new_session=True, close_fds=True)
    try:
        cgroup.add(proc.pid)
        proc.stdin.write(json.dumps(cfg).encode() + b"\n")
        proc.stdin.flush()
        deadline = t0 + limits.wall + 60  # the supervisor enforces the wall limit; this is its own
        if mapped:
            line = _readline(proc.stdout, min(deadline, time.monotonic() + 60))
            if line.strip() != b"unshared":
                raise SandboxError(_first_error(line, err) or "the supervisor did not start")
            for kind, outer in (("uid", SANDBOX_UID), ("gid", SANDBOX_UID)):
                _write(f"/proc/{proc.pid}/{kind}_map", f"0 0 1\n{CHILD_UID} {outer} 1\n")
            proc.stdin.write(b"mapped\n")
            proc.stdin.flush()
        line = _readline(proc.stdout, deadline)
        if not line.startswith(b"result "):
            raise SandboxError(_first_error(line, err) or "the supervisor stopped without a result")
        events = json.loads(line[len(b"result "):])
        sizes = {k: v["size"] for k, v in events["files"].items()}
        want = sum(s for s in sizes.values() if s)
        if want > sum(int(c) for _, c in cfg["collect"].values()):
            raise SandboxError("the supervisor sent more than was asked for")
        blob, _ = _read_until(proc.stdout, deadline, want)
        pos = 0
        for name in cfg["collect"]:
            size = sizes.get(name)
            if size is None or pos + size > len(blob):
                out.files[name] = None
                out.why_missing[name] = events["files"].get(name, {}).get("why", "") or "cut short"
            else:
                out.files[name] = blob[pos:pos + size]
                pos += size
        out.wall_limit = bool(events.get("wall_limit"))
        out.exit_code = events.get("exit")
        out.seconds = float(events.get("seconds", 0.0))
        free, inodes = events.get("disk_free"), events.get("inodes_free")
        out.disk_full = (free is not None and free < min(limits.disk // 100, 1_000_000)) or \
            (inodes is not None and inodes < 10)
        if events.get("setup_error"):
            out.error = events["setup_error"]
    except (SandboxError, OSError, ValueError, KeyError) as e:
        out.error = out.error or str(e)
    finally:
        if proc.poll() is None:
            proc.kill()  # the supervisor, our own child: its death takes the child's init and all with it
        proc.wait()
        for s in (proc.stdin, proc.stdout):
            try:
                s.close()
            except OSError:
                pass
        err.close()
        out.memory_limit, out.process_limit = cgroup.memory_hit(), cgroup.pids_hit()
        cgroup.remove()
        shutil.rmtree(stage, ignore_errors=True)
    if not out.seconds:
        out.seconds = round(time.monotonic() - t0, 2)
    return out


def _first_error(line: bytes, err) -> str:
    """Why the supervisor failed: its ``error`` line, else the end of its stderr."""
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
        else:
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
                _PROBE = (False, got.error or f"the probe did not run (exit {got.exit_code})")
    return _PROBE
