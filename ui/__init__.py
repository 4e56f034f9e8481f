"""The web chat over a ``rag`` index (``rag serve``).

:mod:`ui.app` lays out the page, wires its events and serves it; :mod:`ui.handlers` answers, indexes
uploads and serves the ``/ask`` API; :mod:`ui.render` turns answers and sources into HTML.
"""
