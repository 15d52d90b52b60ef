"""The presentation layer: charts, the named figures, rendering, reports and exports.

It turns results into what people see and copy; it computes nothing of its own.
"""
