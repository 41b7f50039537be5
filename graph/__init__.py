"""stakenet: graph analytics of the public-money stakeholder network."""

__version__ = "0.1.0"
