"""El asesor de la Red Cluster Colombia: answers about the booklet and its self-diagnosis."""

__version__ = "0.1.0"
