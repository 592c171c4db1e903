"""stancegraph: a knowledge graph of stances on US immigration enforcement, from news articles."""

__version__ = "0.1.0"
