"""Rasa's prediction graph run node after node in an order worked out once, without dask.

Rasa 3.6 runs its model's graph (the NLU pipeline, then the policies) through dask's synchronous
scheduler for every message: `dask.get` orders the graph's tasks (`dask.order.order`) and keeps
its own bookkeeping each time, although the graph never changes. Under bench/scale.py's burst of
new readers that was about a fifth of the Rasa server's samples while it held the GIL (the order
alone an eighth), more than the components it ran.

`SequentialGraphRunner` runs the same nodes with the same inputs: for each set of targets, the
minimal graph that reaches them is put in a topological order once; each run then calls the nodes
in that order, in this thread, as dask's synchronous scheduler does, handing each node its
parents' outputs (or, as dask does, the bare name of a parent that is neither a node nor an
input). Nodes do not depend on the order of their independent siblings, so the results are
dask's. Training still runs on dask (rasa.model_training binds its own runner).
"""

from __future__ import annotations

import graphlib
import threading
from typing import Any

import rasa.core.processor
from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphNode
from rasa.engine.runner.dask import DaskGraphRunner

Plan = list[tuple[str, GraphNode, tuple[str, ...]]]  # (node, its callable, the names of its inputs)


class SequentialGraphRunner(DaskGraphRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, ...], Plan] = {}
        self._plans_lock = threading.Lock()

    def _plan(self, targets: tuple[str, ...]) -> Plan:
        with self._plans_lock:
            plan = self._plans.get(targets)
            if plan is None:
                schema = self._graph_schema.minimal_graph_schema(list(targets))
                needs = {name: tuple(node.needs.values()) for name, node in schema.nodes.items()}
                sorter = graphlib.TopologicalSorter(
                    {name: [parent for parent in parents if parent in needs] for name, parents in needs.items()}
                )
                plan = [(name, self._instantiated_nodes[name], needs[name]) for name in sorter.static_order()]
                self._plans[targets] = plan
            return plan

    def run(self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        plan = self._plan(tuple(run_targets))
        outputs: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and (any(value == node for node, _, _ in plan) or value in outputs):
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the input "
                    f"names passed to the `run` method are the same as node names in the graph schema."
                )
            outputs[name] = (name, value)
        try:
            for name, node, parents in plan:
                outputs[name] = node(*(outputs.get(parent, parent) for parent in parents))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(outputs[target] for target in run_targets)


def install() -> None:
    """The Rasa server's message processor loads its model with this runner."""
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner  # type: ignore[misc]
