"""scslab.gates."""
