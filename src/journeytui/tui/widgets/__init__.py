"""Widgets of the journey designer: graph, inspector, problems, elements, personas, coverage."""
