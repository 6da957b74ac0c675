"""The planner's workspace: plans, data, solves and reviews in the browser (``scheduler app``)."""
