"""The analysis layer: pure functions of (dataset, parameters) that return typed results.

Commitments, the tracker, the Hague path, plans, burden-sharing, the balance with rivals,
reconciliation and country profiles; analyses never read files or print.
"""
