"""Placement: optimal, explainable mutation plans that fit people to vacant positions while moving staff
from over-staffed to under-staffed units (issue 8).

`domain/` is the engine, pure and without I/O: eligible candidate-position pairs and their scores are
computed with NumPy over whole arrays, the plan is the optimum of a min-cost flow (OR-Tools), and its
explanations, what-ifs, comparisons and fairness report come from the same arrays.
"""
