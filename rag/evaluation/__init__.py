"""Evaluation beside the pipeline: question sets (:mod:`~rag.evaluation.cases`), deterministic metrics
(:mod:`~rag.evaluation.metrics`), scoring (:mod:`~rag.evaluation.scoring`), running and the report
(:mod:`~rag.evaluation.runner`, :mod:`~rag.evaluation.html`), and public data sets
(:mod:`~rag.evaluation.datasets`).
"""
