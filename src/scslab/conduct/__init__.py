"""scslab.conduct."""
