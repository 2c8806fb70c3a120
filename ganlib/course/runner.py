"""Run one submission's notebook, cell by cell, in a fresh kernel: the grader's runner.

It runs inside the sandbox, beside the learner's kernel, so nothing it writes is trusted by the
grader: ``status.json`` (cells run, errors, why it stopped, how the kernel ended) and the
executed notebook are read back only as notes and as a copy for the teacher. The kernel talks to
it over Unix sockets (the sandbox has no network). Outputs past ``output_cap`` bytes are dropped,
so a cell that prints without end cannot fill memory or the disk.

    python -m ganlib.course.runner NOTEBOOK OUT_DIR CELL_TIMEOUT TOTAL OUTPUT_CAP
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import threading
from typing import Any

TRUNCATED = "\n[the grader dropped the rest of this notebook's output: over {mb:g} MB]\n"
RERUN = ("[the grader ran this cell again after cell {cell} ({check}): while grading, ganlib's "
         "answer it uses runs the learner's own code, which had not been checked the first time]\n")
HIDDEN = re.compile(r"exercise '([A-Za-z_]\w*)'")


def _errors(cell: Any) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _note_errors(status: dict[str, Any], cell: Any, i: int, waiting: dict[int, str]) -> None:
    """Record a cell's errors in the status; one that met a switched-off graded answer of ganlib
    (HiddenWhileGrading) waits to run again once that exercise's check has run."""
    for o in _errors(cell):
        status["errors"].append({"cell": i, "error": f"{o.get('ename')}: {o.get('evalue')}"[:500]})
        found = HIDDEN.search(str(o.get("evalue", ""))) if ("switched off while your homework is "
                                                            "graded") in \
            str(o.get("evalue", "")) else None
        if found and i not in waiting:
            waiting[i] = found.group(1)


def _save(path: str, text: str) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def _own_kernel() -> str:
    """A kernel spec in the submission's own Jupyter folder that runs this very Python (the one the
    sandbox binds), whatever an installed ``python3`` spec names; returns its name."""
    from jupyter_core.paths import jupyter_data_dir

    spec = os.path.join(jupyter_data_dir(), "kernels", "ganlib-grading")
    os.makedirs(spec, exist_ok=True)
    argv = [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f",
            "{connection_file}"]
    _save(os.path.join(spec, "kernel.json"), json.dumps({"argv": argv, "display_name": "grading",
                                                         "language": "python"}))
    return "ganlib-grading"


def _client_class():
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """A NotebookClient that keeps at most ``output_cap`` bytes of outputs in all."""

        output_cap = 20_000_000
        output_bytes = 0
        truncated = False

        def output(self, outs, msg, display_id, cell_index):
            size = len(json.dumps(msg.get("content", {}), default=str))
            self.output_bytes += size
            if self.output_bytes > self.output_cap:
                if not self.truncated:
                    self.truncated = True
                    from nbformat.v4 import new_output

                    outs.append(new_output("stream", name="stderr",
                                           text=TRUNCATED.format(mb=self.output_cap / 1e6)))
                return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


def run_notebook(
    nb_path: str, out_dir: str, cell_timeout: float, total: float, output_cap: int
) -> None:
    """Execute every code cell; write ``status.json`` after each and ``executed.ipynb`` at the end.

    The total limit counts from the moment the kernel is ready, so a slow start costs no one.
    """
    import nbformat
    import nbformat.v4
    from jupyter_client.manager import AsyncKernelManager
    from nbclient.exceptions import DeadKernelError

    status: dict[str, Any] = {"cells_run": 0, "errors": [], "stopped": None, "kernel_exit": None,
                              "output_truncated": False}
    status_path = os.path.join(out_dir, "status.json")

    def save() -> None:
        _save(status_path, json.dumps(status))

    nb = nbformat.read(nb_path, as_version=4)
    from jupyter_core.paths import jupyter_runtime_dir

    # $JUPYTER_RUNTIME_DIR: the grader puts it in the submission's home
    runtime = jupyter_runtime_dir()
    os.makedirs(runtime, exist_ok=True)
    km = AsyncKernelManager(kernel_name=_own_kernel(), transport="ipc",
                            ip=os.path.join(runtime, "kernel"))
    client = _client_class()(
        nb,
        km=km,
        timeout=int(max(1, cell_timeout)),
        interrupt_on_timeout=True,
        allow_errors=True,
        iopub_timeout=5,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(nb_path))}},
    )
    client.output_cap = int(output_cap)
    done, timed_out = threading.Event(), threading.Event()

    def watchdog(pid: int) -> None:  # the total limit: kill the kernel, whatever it is doing
        if not done.wait(total):
            timed_out.set()
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass

    current, kernel_process = -1, None
    try:
        with client.setup_kernel():
            pid = int(client.km.provisioner.pid)
            kernel_process = client.km.provisioner.process
            save()
            threading.Thread(target=watchdog, args=(pid,), daemon=True).start()
            # cells that met a switched-off answer -> the exercise they wait for
            waiting: dict[int, str] = {}
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                current = i
                client.execute_cell(cell, i)
                status["cells_run"] += 1
                _note_errors(status, cell, i, waiting)
                for j, ex_id in list(waiting.items()) if not _errors(cell) else ():
                    if re.search(rf"\bcheck_{re.escape(ex_id)}\s*\(", cell.source):
                        # its exercise is checked: the stand-in now runs the learner's own code
                        del waiting[j]
                        status["errors"] = [e for e in status["errors"] if e["cell"] != j]
                        client.execute_cell(nb.cells[j], j)
                        nb.cells[j].outputs.insert(
                            0,
                            nbformat.v4.new_output(
                                "stream",
                                name="stdout",
                                text=RERUN.format(cell=i, check=f"check_{ex_id}"),
                            ),
                        )
                        _note_errors(status, nb.cells[j], j, waiting)
                status["output_truncated"] = client.truncated
                save()
            done.set()
    except DeadKernelError:
        status["stopped"] = (f"time limit ({total:g} s) reached in cell {current}"
                             if timed_out.is_set()
                             else f"the kernel died in cell {current}")
    except Exception as e:  # anything else nbclient raises: report it, the grader scores what ran
        status["stopped"] = f"{type(e).__name__} in cell {current}: {e}"[:500]
    done.set()
    try:  # how the kernel ended: -24 is SIGXCPU (the CPU-time limit), -9 SIGKILL
        if kernel_process is not None and status["stopped"] is None:
            # every cell ran and the kernel lives (nbclient leaves a kernel it was handed running):
            # nothing to wait for, stop it now (waiting for it to end cost 5 s a notebook)
            status["kernel_exit"] = kernel_process.poll()
            if status["kernel_exit"] is None:
                os.killpg(kernel_process.pid, signal.SIGKILL)
                kernel_process.wait(timeout=5)
        elif kernel_process is not None:  # it died or was killed: give it a moment to be reaped
            status["kernel_exit"] = kernel_process.wait(timeout=5)
    except Exception:
        pass
    status["output_truncated"] = client.truncated
    save()
    try:  # the executed notebook, for a teacher who wants to hand it back
        nbformat.write(nb, os.path.join(out_dir, "executed.ipynb"))
    except Exception:
        pass


def main(argv: list[str]) -> int:
    """``NOTEBOOK OUT_DIR CELL_TIMEOUT TOTAL OUTPUT_CAP`` → runs it; exit code 0 unless the runner
    broke."""
    nb, out, cell, total, cap = argv
    run_notebook(nb, out, float(cell), float(total), int(cap))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
