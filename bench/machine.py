"""How fast this machine is today, printed beside a bench's figures so that figures taken on
different machines (or on one machine shared with other work) can be compared.

    .venv/bin/python bench/machine.py

The same two small loads each time, in this process, one thread: pure Python (a 10-million-step
loop: the interpreter, as the search's and the web app's Python code uses it) and float32 matrix
products (numpy's BLAS, as the embedding model and the index use it); and the load average (other
work on the same cores). A machine that takes twice as long for the reference takes about twice as
long per turn: compare CPU per turn across sessions only after dividing by it.
"""

from __future__ import annotations

import os
import time

import numpy as np

LOOP_STEPS = 10_000_000
MATRIX_SIZE = 500
PRODUCTS = 100


def python_seconds() -> float:
    started = time.process_time()
    total = 0
    for step in range(LOOP_STEPS):
        total += step
    return time.process_time() - started


def matmul_seconds() -> float:
    matrix = np.random.default_rng(0).random((MATRIX_SIZE, MATRIX_SIZE), dtype=np.float32)
    started = time.process_time()
    for _ in range(PRODUCTS):
        matrix @ matrix
    return time.process_time() - started


def reference() -> str:
    """One line: the reference loads' CPU seconds (the best of three) and the load average."""
    python = min(python_seconds() for _ in range(3))
    matmul = min(matmul_seconds() for _ in range(3))
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores; Python loop of {LOOP_STEPS:,} steps {python:.2f} s CPU, "
        f"{PRODUCTS} float32 {MATRIX_SIZE}x{MATRIX_SIZE} products {matmul:.2f} s CPU; load average {load}"
    )


if __name__ == "__main__":
    print(reference())
