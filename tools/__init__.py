"""Development tools that are not part of the runtime (dependency audit)."""
