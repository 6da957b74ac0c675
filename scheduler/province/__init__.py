"""Several districts planned together, sharing provincial trainers and a provincial budget.

``load`` reads a province scenario; ``compose`` turns it into district scenarios
(and the whole province as one scenario, exact or relaxed); ``decompose`` plans
it phase by phase, with ``master`` (the master problems over the districts'
columns), ``trainers`` (the provincial trainers' half-days), ``leftover`` (the
money left unspent) and ``tasks`` (what runs in a Dask worker) on a ``runner``;
``result`` holds the plan it returns; ``shared`` checks the shared limits
independently; ``bench`` measures it all.
"""
