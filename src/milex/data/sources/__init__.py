"""Publisher parsers: one module per publisher, each turning a raw file into tidy observations."""
