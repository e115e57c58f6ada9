"""Evaluation: metrics, baselines, reports and benchmarks."""
