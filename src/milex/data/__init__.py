"""The data layer: publisher files, the snapshot built from them and the store that reads it.

Everything about figures and where they come from lives here (sources, registry, schema,
snapshot, store, update, diff, checks, receipts); nothing here imports a layer above it.
"""
