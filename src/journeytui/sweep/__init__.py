"""Scenario sweeps and budget optimisation (docs/sweeps.md). No Textual.

- :mod:`~journeytui.sweep.spec`: the sweep file (levers, objective, constraints), loaded and
  checked with positions;
- :mod:`~journeytui.sweep.levers`: applying a scenario to a journey (a new, validated journey);
- :mod:`~journeytui.sweep.scenarios`: the grid, random and Latin-hypercube samples, seeds;
- :mod:`~journeytui.sweep.evaluate`: one scenario with the full model, and the size estimate;
- :mod:`~journeytui.sweep.runner`: the local and Dask engines;
- :mod:`~journeytui.sweep.results`: the incremental, resumable results file;
- :mod:`~journeytui.sweep.optimise`: the best scenario under the budget, and how sure;
- :mod:`~journeytui.sweep.report`: ranking, Pareto front, lever contributions.
"""
