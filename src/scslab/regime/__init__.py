"""scslab.regime."""
