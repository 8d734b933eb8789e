"""scslab.society."""
