"""The grader under attack: a student who wants marks without work, and one who wants to break things.

One class of attack per test, each tried several ways in one submission (one sandboxed run each,
to keep the suite fast): forged verdicts, the answers imported from ganlib, other people's files,
harming the grader or the machine, writing where nothing may be written, the network, the limits,
and a batch that must finish whatever one submission does.
"""

import json
import os
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from ganlib import checks
from ganlib.course import grading as homework
from ganlib.course import sandbox
from ganlib.course.intake import read_answers
from ganlib.config import PACKAGE_DIR
from ganlib.course.sandbox import Limits

SANDBOX, WHY_NOT = sandbox.available()
pytestmark = pytest.mark.skipif(not SANDBOX, reason=f"no sandbox on this machine: {WHY_NOT}")

FIX = Path(__file__).parent / "fixtures" / "homework"
TOY, TOY_CHECKS = FIX / "toy_homework.ipynb", str(FIX / "toy_checks.py")


def _try(name: str, body: str) -> str:
    """A cell that tries an attack and prints 'ATTACK name: held' when it was refused, else 'BROKE'."""
    inner = "\n".join("    " + line for line in body.strip().splitlines())
    return (f"try:\n{inner}\n    print('ATTACK {name}: BROKE')\n"
            f"except Exception as e:\n    print('ATTACK {name}: held', type(e).__name__)")


def _submission(tmp_path: Path, name: str, cells: list[str], solved: bool = False) -> Path:
    """The toy handout (blank: worth 0) or its solution, with the attack cells at the end."""
    if solved:
        nb = nbformat.read(TOY, as_version=4)
    else:
        nb = homework.student_version(nbformat.read(TOY, as_version=4))
    nb.cells += [new_code_cell(c) for c in cells]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def _outputs(folder: Path, name: str) -> str:
    nb = nbformat.read(folder / name, as_version=4)
    return "\n".join("".join(o.get("text", "")) + str(o.get("evalue", ""))
                     for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def _grade(path, **kw):
    return homework.grade(path, checks_files=(TOY_CHECKS,), cell_timeout=60, timeout=240, **kw)


def _alive(marker: str) -> list[int]:
    """Processes on this machine whose command line holds ``marker``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found


def test_marks_without_work_and_the_answers_are_out_of_reach(tmp_path):
    """Forged verdicts, a faked judge, ganlib's references, a classmate's and the teacher's notebooks."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    classmate = _submission(folder, "alice_toy_homework.ipynb", [], solved=True)
    teacher = tmp_path / "teacher" / "toy_homework.ipynb"
    teacher.parent.mkdir()
    teacher.write_text(TOY.read_text())
    cells = [
        _try("reference", "from toy_checks import square\nsquare(3)"),
        _try("reference source", "import toy_checks\nsrc = open(toy_checks.__file__).read()\n"
                                 "assert 'return x * x' not in src and 'return a + b' not in src, 'answer in source'\n"
                                 "raise PermissionError('redacted')"),
        _try("installed ganlib", f"import os\nassert not os.listdir({str(PACKAGE_DIR)!r}), 'ganlib is there'\n"
                                 "raise PermissionError('empty')"),
        _try("course notebooks", f"import os\nassert not os.listdir({str(PACKAGE_DIR.parent / 'notebooks')!r})\n"
                                 "raise PermissionError('empty')"),
        _try("classmate", f"open({str(classmate)!r}).read()"),
        _try("teacher", f"open({str(teacher)!r}).read()"),
        _try("shadow", "open('/etc/shadow').read()"),
        # a fake verdict in the kernel, then forged records in the answers file (the last word in it)
        "from ganlib import checks\nchecks.verdict = lambda *a: ('passed', '')\n"
        "checks.check_toy_square(lambda x: 'passed')",
        "import os, torch\ntorch.save({'toy_add': {'status': 'passed'}, 'toy_square': 'passed'}, "
        "os.environ['GANLIB_ANSWERS'])\nprint('forged')",
    ]
    sub = _submission(folder, "bob_toy_homework.ipynb", cells)
    r = _grade(sub, executed=tmp_path / "executed")
    text = _outputs(tmp_path / "executed" / r["student"], sub.name)
    assert "BROKE" not in text, text
    assert text.count("ATTACK") == 7 and "forged" in text
    assert "HiddenWhileGrading" in text.split("ATTACK reference:")[1].splitlines()[0]
    assert (r["total"], r["max"]) == (0, 3), r
    assert {e["status"] for e in r["exercises"].values()} == {"failed"}
    assert r["sandboxed"]


def test_plain_data_only_crosses_back():
    """An answers file holding an object (a pickle that would run code) is refused, never loaded."""
    import io
    import pickle
    import zipfile

    import torch

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch /tmp/ganlib-pwned",))

    buf = io.BytesIO()
    torch.save({"toy_add": Evil()}, buf)
    with pytest.raises(ValueError, match="other than plain data"):
        read_answers(buf.getvalue())
    assert not os.path.exists("/tmp/ganlib-pwned")
    with pytest.raises(ValueError, match="not a torch.save file"):
        read_answers(pickle.dumps({"toy_add": [3, 2]}))
    zipped = io.BytesIO()  # a compressed member could be a zip bomb
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", b"0" * 1000)
    with pytest.raises(ValueError, match="compressed"):
        read_answers(zipped.getvalue())


def test_the_grader_and_the_machine_cannot_be_harmed(tmp_path):
    """Leftovers in /dev/shm and /tmp, a child that outlives grading holding the runner's output, a
    rewritten status file and a killed runner: the grader finishes, scores the work, nothing survives."""
    token = f"ganlib-attack-{os.getpid()}-{time.monotonic_ns()}"
    cells = [
        f"open('/dev/shm/{token}', 'w').write('x')\nopen('/tmp/{token}', 'w').write('x')\nprint('wrote shm and tmp')",
        f"import subprocess, sys\nsubprocess.Popen(['sleep', '4242{os.getpid()}'], start_new_session=True, "
        f"stdout=sys.__stdout__, stderr=sys.__stderr__)\nprint('left a child')",
        "import json, os\nopen('/grading/out/status.json', 'w').write(json.dumps({'cells_run': 99, 'pid': 1, "
        "'pgid': 1, 'errors': 'x'}))\nos.kill(os.getppid(), 9)  # the runner",
    ]
    sub = _submission(tmp_path, "toy_homework.ipynb", cells, solved=True)
    t0 = time.monotonic()
    r = _grade(sub)
    assert time.monotonic() - t0 < 120  # the child holding the output did not hang the grader
    assert r["total"] == 3 and r["sandboxed"]  # the honest work still counts
    assert not _alive(f"4242{os.getpid()}")
    assert not os.path.exists(f"/dev/shm/{token}") and not os.path.exists(f"/tmp/{token}")


def test_signals_writes_and_the_network_are_refused(tmp_path):
    """Signals to the grader and to init, the machine's processes, /dev, /proc/sys, cgroups, the network (its
    namespace has a loopback of its own and nothing else), root."""
    token = f"ganlib-attack-{os.getpid()}"
    cells = [
        _try("kill the grader", f"import os\nos.kill({os.getpid()}, 9)"),
        _try("kill everything", "import os, time\nos.kill(1, 9)\ntime.sleep(1)\nos.kill(1, 0)\n"
                                "raise PermissionError('init took no signal')"),  # it would end the run
        _try("see the processes of the machine", "import os\nassert len([p for p in os.listdir('/proc') if p.isdigit()]) > 10\n"
                                            "raise PermissionError('own PID namespace')"),
        _try("dev", "open('/dev/evil', 'w').write('x')"),
        _try("proc sys", "open('/proc/sys/kernel/hostname', 'w').write('pwned')"),
        _try("cgroup", "import glob\npaths = glob.glob('/sys/fs/cgroup/**/cgroup.procs', recursive=True)\n"
                       "assert paths, 'no cgroup files'\nopen(paths[0], 'w').write('1')"),
        _try("an interface", "import socket\nassert {n for _, n in socket.if_nameindex()} - {'lo'}, "
                             "'only a loopback of its own'"),
        _try("connect", "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=2)"),
        _try("root", "import os\nassert os.getuid() == 0, 'unprivileged'\n"),
        f"open('/dev/shm/{token}', 'w').write('x')\nprint('wrote shm')",
    ]
    sub = _submission(tmp_path, "toy_homework.ipynb", cells, solved=True)
    r = _grade(sub, executed=tmp_path / "executed")
    text = _outputs(tmp_path / "executed" / r["student"], sub.name)
    assert "BROKE" not in text, text
    assert text.count("ATTACK") == 9 and "wrote shm" in text
    assert r["total"] == 3 and not os.path.exists(f"/dev/shm/{token}")


def test_limits_are_rows_in_the_marks_table(tmp_path):
    """Memory, processes, disk, output and CPU time: each hit is a note naming the limit; marks for what ran."""
    cells = [
        "x = bytearray(6_000_000_000)  # over the 4 GB memory limit",
        "import subprocess\nkids = []\ntry:\n    for _ in range(200):  # over 60 processes\n"
        "        kids.append(subprocess.Popen(['sleep', '30']))\nfinally:\n    for k in kids:\n        k.kill()\n"
        "        k.wait()",
        "open('big.bin', 'wb').write(b'0' * 80_000_000)  # over the 50 MB disk",
        "print('x' * 3_000_000)  # over the 1 MB of output",
        "while True:\n    pass  # over the CPU time",
    ]
    sub = _submission(tmp_path, "toy_homework.ipynb", cells, solved=True)
    limits = Limits(processes=60, disk=50_000_000, output=1_000_000, cpu=15)
    r = homework.grade(sub, checks_files=(TOY_CHECKS,), cell_timeout=60, timeout=120, limits=limits)
    assert {"memory", "processes", "disk", "output", "cpu"} <= set(r["limits_hit"]) | set(r["limits_reported"]), r
    assert "disk" in r["limits_hit"], r  # seen by the sandbox itself: its tmpfs was full
    assert r["total"] == 3  # the checks ran before the limits were hit
    table = homework.format_table(r)
    for words in ("memory limit (4 GB)", "process limit (60", "disk limit (50 MB", "output limit (1 MB",
                  "CPU-time limit (15 s"):
        assert words in table, table


def test_a_batch_always_finishes_with_a_row_for_everyone(tmp_path):
    """One submission kills every process it can, one kills its runner: the others are graded, the CSV written."""
    folder = tmp_path / "subs"
    folder.mkdir()
    _submission(folder, "a_toy_homework.ipynb", ["import os\nos.kill(-1, 9)"], solved=True)
    _submission(folder, "b_toy_homework.ipynb", [], solved=True)
    _submission(folder, "c_toy_homework.ipynb", ["import os, signal\nos.killpg(0, signal.SIGKILL)"])
    out = tmp_path / "marks.csv"
    assert homework.main(["grade", str(folder), "--csv", str(out), "--checks", TOY_CHECKS,
                          "--cell-timeout", "60", "--timeout", "120"]) == 0
    import csv

    with open(out, newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == ["a", "b", "c"]  # the student ids, from the file names
    assert (rows["b"]["total"], rows["b"]["max"]) == ("3", "3")
    assert (rows["a"]["total"], rows["a"]["max"]) == ("3", "3")  # its checks ran before it struck
    assert (rows["c"]["total"], rows["c"]["max"]) == ("0", "3")
    assert all(r["sandboxed"] == "yes" for r in rows.values())


def test_no_sandbox_refuses_unless_asked_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sandbox, "available", lambda: (False, "no user namespaces (test)"))
    bad = tmp_path / "toy_homework.ipynb"
    bad.write_text("{ not json")
    assert homework.main(["grade", str(bad), "--checks", TOY_CHECKS]) == 2
    err = capsys.readouterr().err
    assert "no user namespaces (test)" in err and "--no-sandbox" in err
    assert homework.main(["grade", str(bad), "--checks", TOY_CHECKS, "--no-sandbox", "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out.strip().splitlines()[-1])["sandboxed"] is False and "not sandboxed" in out


def test_a_bogus_profile_is_a_usage_error_naming_the_choices(capsys):
    with pytest.raises(SystemExit) as stop:
        homework.main(["grade", "x.ipynb", "--profile", "bogus"])
    assert stop.value.code != 0
    err = capsys.readouterr().err
    assert "--profile" in err and "'bogus'" in err and "ci, cpu, gpu" in err


def test_an_installed_ganlib_is_masked_in_the_sandbox(tmp_path):
    """A ganlib installed in the Python the child runs (bound read-only) holds every answer: it looks empty."""
    import shutil
    import tempfile

    site = Path(tempfile.mkdtemp(prefix="ganlib-site-", dir="/var/tmp"))  # not /tmp: the child has its own
    site.chmod(0o755)
    (site / "ganlib").mkdir(parents=True)
    (site / "ganlib" / "theory.py").write_text("ANSWER = 42")
    probe = tmp_path / "probe.txt"
    probe.write_text("probe")
    code = (f"import os; open('/grading/out/ls', 'w').write(repr((os.listdir({str(site)!r}), "
            f"os.listdir({str(site / 'ganlib')!r}))))")
    got = sandbox.run(str(probe), [sys.executable, "-I", "-S", "-c", code], {"LANG": "C.UTF-8"},
                      limits=Limits(wall=60), binds=[[str(site), str(site)]],
                      collect={"ls": ("/grading/out/ls", 1000)}, masks=[str(site / "ganlib")])
    shutil.rmtree(site)
    assert got.files["ls"] == repr((["ganlib"], [])).encode(), got
    assert homework._answer_folders()[0] == str(PACKAGE_DIR)  # what the grader masks: ganlib itself
