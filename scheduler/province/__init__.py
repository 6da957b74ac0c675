"""Several districts planned together, sharing provincial trainers and a provincial budget.

``load`` reads a province scenario, ``compose`` turns it into district scenarios (and,
for comparison, one merged scenario), ``decompose`` plans it on Dask, ``shared``
checks the shared limits independently.
"""
