"""The version of cloudtwin, stored with every run (`runs.version`)."""

__version__ = "0.1.0"
