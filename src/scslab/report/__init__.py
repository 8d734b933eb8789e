"""scslab.report."""
