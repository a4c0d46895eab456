"""The extension gopy generates from gopkg/api at build time (api.py, go.py, _api*.so land here)."""
