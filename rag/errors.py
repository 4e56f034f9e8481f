"""Exceptions whose messages tell the user what to do."""


class RagError(Exception):
    """Base class: the message is shown to the user as is, without a traceback."""


class DocumentError(RagError):
    """A file could not be read as a document; the message names the reason."""


class ModelError(RagError):
    """A model is missing, corrupt, or failed to load."""


class ModelBusyError(ModelError):
    """The model is answering another question and did not become free in time; the caller may retry."""


class IndexStateError(RagError):
    """The index is missing, empty, or built with another embedding model."""
