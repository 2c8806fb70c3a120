"""Energy and CO₂e of training runs, from measured time and *visible, editable* assumptions.

energy (kWh) = power draw (W) × time (s) × PUE / 3.6e6
CO₂e (kg)   = energy (kWh) × grid carbon intensity (g/kWh) / 1000

On a CPU the time is this process's **CPU time** (all its threads, from ``time.process_time``),
and the power is the machine's draw shared over its cores: a CPU-second costs watts / cores
joules. Wall time is not energy: on a busy machine a run waits for others, and a run on two
threads uses twice the CPU of its wall time. On a GPU the time is wall time at the board's power.

Nothing here is measured with a power meter: the times are measured, the rest are assumptions
you should replace with your own (a wall-plug meter, your provider's PUE, your grid's intensity
today). Every default below says where it comes from and how sure it is.
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from ganlib.validate import check_number

# Assumed average power draw while training, in watts. GPU figures are the maker's board
# power limits (TDP) from public spec sheets, an upper bound: real draw is often 50-90 % of it.
# CPU figures are rough assumptions for the whole machine under load, not measurements.
DEVICE_WATTS: dict[str, float] = {
    "cpu-laptop": 30.0,     # assumption: a laptop working hard on 2-4 cores
    "cpu-desktop": 100.0,   # assumption: a desktop tower under load
    "cuda-T4": 70.0,        # NVIDIA T4 board power (spec sheet); Colab's free GPU
    "cuda-V100": 300.0,     # NVIDIA V100 SXM2 board power (spec sheet)
    "cuda-A100": 400.0,     # NVIDIA A100 SXM4 board power (spec sheet)
    "cuda-H100": 700.0,     # NVIDIA H100 SXM5 board power (spec sheet)
}

# Grid carbon intensity in g CO₂e per kWh. Assumptions of the right order, not citations:
# check your own grid's figure (national statistics, electricitymaps.com) before relying on one.
GRID_G_PER_KWH: dict[str, float] = {
    "world-average": 475.0,  # assumption: the order of recent world averages (~450-500 g/kWh)
    "coal-heavy": 800.0,     # assumption: a grid dominated by coal
    "low-carbon": 50.0,      # assumption: a grid dominated by hydro, nuclear or wind
}


@dataclass(frozen=True)
class EnergyAssumptions:
    """Everything that turns seconds into kWh and CO₂e; edit the fields, they are not facts."""

    watts: float = DEVICE_WATTS["cpu-laptop"]
    pue: float = 1.0                          # 1.0 at home; data centres ~1.1 (best) to ~1.6
    # a CPU's watts are shared over its cores: a CPU-second costs watts / cores
    cores: int = 2
    grid_g_per_kwh: float = GRID_G_PER_KWH["world-average"]
    source: str = "defaults of ganlib.energy (assumptions, see module)"

    def with_(self, **changes) -> "EnergyAssumptions":
        """A copy with some fields changed: ``assumptions.with_(watts=70, pue=1.1)``."""
        return replace(self, **changes)


def assumptions_for(device: str) -> EnergyAssumptions:
    """Default assumptions for a torch device string: a laptop for 'cpu', a T4 in a data centre for
    'cuda'."""
    if str(device).startswith("cuda"):
        return EnergyAssumptions(watts=DEVICE_WATTS["cuda-T4"], pue=1.1,
                                 source="assumed: an NVIDIA T4 (as in Colab) in a data centre with "
                                        "PUE 1.1")
    return EnergyAssumptions(source="assumed: a 2-core laptop drawing 30 W under load, at home "
                                    "(PUE 1.0)")


def kwh(watts: float, seconds: float, pue: float = 1.0) -> float:
    """Energy in kWh of drawing `watts` for `seconds`, with data-centre overhead `pue`."""
    check_number(watts, "watts", low=0)
    check_number(seconds, "seconds", low=0)
    check_number(pue, "pue", low=1)
    return watts * seconds * pue / 3.6e6


def co2e_kg(energy_kwh: float, grid_g_per_kwh: float) -> float:
    """Kilograms of CO₂-equivalent for this much energy on a grid of this intensity."""
    return energy_kwh * grid_g_per_kwh / 1000.0


def process_cpu_seconds() -> float:
    """CPU time this process has used so far, all threads together (``time.process_time``)."""
    return time.process_time()


@dataclass
class RunRecord:
    """One measured run: its name, wall time, device, and the CPU time it used
    (None when not measured)."""

    name: str
    seconds: float
    device: str
    cpu_seconds: float | None = None

    def energy_seconds(self, a: "EnergyAssumptions") -> float:
        """Full-power seconds of the assumed machine: CPU time / cores on a CPU
        (wall time if CPU time is unknown), wall time on a GPU."""
        if self.device.startswith("cuda") or self.cpu_seconds is None:
            return self.seconds
        return self.cpu_seconds / a.cores


@dataclass
class EnergyLog:
    """The learner's own runs, timed with ``with log.run("name"):``, turned into kWh and CO₂e."""

    device: str = "cpu"
    runs: list[RunRecord] = field(default_factory=list)

    @contextmanager
    def run(self, name: str):
        """Time the block (wall and this process's CPU time) and record it as one run."""
        t0, c0 = time.perf_counter(), process_cpu_seconds()
        try:
            yield
        finally:
            self.runs.append(RunRecord(name, time.perf_counter() - t0, str(self.device),
                                       process_cpu_seconds() - c0))

    def add(
        self, name: str, seconds: float, cpu_seconds: float | None = None, device: str | None = None
    ) -> None:
        """Record a run timed elsewhere (e.g. a checkpoint's wall time and CPU time from its
        manifest)."""
        self.runs.append(RunRecord(name, float(seconds), str(device or self.device),
                                   None if cpu_seconds is None else float(cpu_seconds)))

    def table(self, a: EnergyAssumptions) -> list[dict]:
        """One row per run: wall seconds, CPU seconds, kWh and grams CO₂e under these
        assumptions."""
        rows = []
        for r in self.runs:
            e = kwh(a.watts, r.energy_seconds(a), a.pue)
            rows.append({"run": r.name, "device": r.device, "seconds": r.seconds,
                         "cpu_seconds": r.cpu_seconds, "kwh": e,
                         "g_co2e": 1000 * co2e_kg(e, a.grid_g_per_kwh)})
        return rows

    def total_kwh(self, a: EnergyAssumptions) -> float:
        """Energy of every run in the log, in kWh."""
        return sum(r["kwh"] for r in self.table(a))

    def report(self, a: EnergyAssumptions) -> str:
        """The table as text, with the assumptions printed above it."""
        lines = [f"assumptions: {a.watts:g} W over {a.cores} cores × PUE {a.pue:g}, grid "
                 f"{a.grid_g_per_kwh:g} g CO₂e/kWh  ({a.source})",
                 f"{'run':<40}{'device':>7}{'wall s':>9}{'CPU s':>9}{'Wh':>9}{'g CO₂e':>9}"]
        rows = self.table(a)
        for r in rows:
            cpu = "" if r["cpu_seconds"] is None else f"{r['cpu_seconds']:.1f}"
            lines.append(f"{r['run']:<40}{r['device']:>7}{r['seconds']:>9.1f}{cpu:>9}"
                         f"{1000 * r['kwh']:>9.3f}{r['g_co2e']:>9.3f}")
        tot_s = sum(r["seconds"] for r in rows)
        tot_c = sum(r["cpu_seconds"] or 0.0 for r in rows)
        tot_kwh = sum(r["kwh"] for r in rows)
        tot_g = sum(r["g_co2e"] for r in rows)
        lines.append(
            f"{'total':<40}{'':>7}{tot_s:>9.1f}{tot_c:>9.1f}{1000 * tot_kwh:>9.3f}{tot_g:>9.3f}"
        )
        return "\n".join(lines)


def shipped_training(manifest: dict, names: tuple[str, ...]) -> EnergyLog:
    """The training runs behind shipped checkpoints, from their manifest entries: wall time, and CPU
    time as wall × the threads the manifest's device names (an upper bound: every thread busy all
    the time)."""
    log = EnergyLog("cpu")
    for name in names:
        entry = manifest.get(name, {})
        if "wall_time_s" not in entry:
            continue
        device = str(entry.get("device", "cpu"))
        m = re.search(r"(\d+) threads?", device)
        on_gpu = not device.startswith("cpu")
        cpu = None if on_gpu else entry["wall_time_s"] * (int(m.group(1)) if m else 1)
        log.add(name, entry["wall_time_s"], cpu, device="cuda" if on_gpu else "cpu")
    return log


@dataclass(frozen=True)
class ReportedRun:
    """A large GAN's compute as its authors reported it, and how sure we are of the figure."""

    name: str
    gpu_days: float | None
    gpu: str
    reported_mwh: float | None
    source: str


# Figures published by the authors. Check the papers before quoting these anywhere.
REPORTED_RUNS: tuple[ReportedRun, ...] = (
    ReportedRun("StyleGAN3 (whole research project)", 92 * 365, "cuda-V100", 225.0,
                "Karras et al. 2021, 'Alias-Free GANs', arXiv:2106.12423: 92 GPU-years and "
                "225 MWh on V100s for the entire project, as the authors report"),
    ReportedRun("StyleGAN-XL at 512² on ImageNet (one model)", 400, "cuda-V100", None,
                "Sauer et al. 2022, arXiv:2202.00273: about 400 V100-days to match the prior "
                "state of the art at 512²; energy not reported, so estimated"),
)


def estimate_mwh(run: ReportedRun, pue: float = 1.1, watts: float | None = None) -> float:
    """MWh of a reported run: the authors' figure when given, else GPU-days × board watts × PUE."""
    if run.reported_mwh is not None:
        return run.reported_mwh
    w = DEVICE_WATTS[run.gpu] if watts is None else watts
    return kwh(w, run.gpu_days * 86_400, pue) / 1000.0
