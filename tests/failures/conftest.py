"""Fixtures: the small failure worlds of `failure_worlds`."""

from failure_worlds import *  # noqa: F403
