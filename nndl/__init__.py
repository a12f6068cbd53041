"""nndl: the code behind the nndl companion."""

__version__ = "0.1.0"
