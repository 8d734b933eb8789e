"""scslab.sim."""
