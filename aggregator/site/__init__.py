"""The static site: rendering (render.py) and atomic publishing (publish.py)."""
