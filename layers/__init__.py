"""The domain: risk levels and palette, assessment, roll-up, and each map layer as a typed query."""
