"""Rendering: static maps and charts (matplotlib), interactive pages (folium), vector tiles."""
