"""The web chat over a ``rag`` index (``rag serve``); see :mod:`ui.app`."""
