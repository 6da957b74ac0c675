"""Running the model: stage 1 and its stages, staff naming, the race with HiGHS.

``solve`` turns a scenario into a :class:`scheduler.plan.Plan`; ``staffing`` names
the people of a placement (stage 2); ``portfolio`` races CP-SAT and HiGHS;
``highs`` translates a CP-SAT model for HiGHS and runs it in a child process;
``greedy`` is the greedy planner (the fallback, the benchmarks' baseline and the
province's first columns).
"""
