"""scslab.sources."""
