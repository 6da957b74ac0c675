"""Exporters: pure functions of (scenario, plan); they never import the solver."""
